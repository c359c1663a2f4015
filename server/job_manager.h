// File: job_manager.h
//
// Training jobs: validation at submit, a FIFO queue, `max_jobs` worker
// threads each running core Train() for one job at a time, cancellation,
// per-epoch checkpoints, and recovery after a crash or restart.
//
// Durability: the jobs table (MetadataStore) is the source of truth. Every
// state change is stored together with the event that announces it
// (JobEventLog::Append). After every epoch the checkpoint file is written
// durably, then a CheckpointSaved event. On startup, QUEUED jobs are queued
// again and RUNNING jobs resume from their last checkpoint (a Resumed event;
// a job without one starts over); the metric history stays as it was, and
// metrics the resumed run recomputes for epochs already recorded are not
// stored twice (the run is deterministic, so they would be identical).
//
// Shutdown() stops dequeuing and interrupts running jobs at their next batch
// boundary; they stay RUNNING in the store so the next start resumes them
// from their last epoch checkpoint.
//
//   FLN_ASSIGN_OR_RETURN(auto manager, JobManager::Create(options, store,
//                                                          datasets, checkpoints, log));
//   FLN_ASSIGN_OR_RETURN(v1::Job job, manager->Submit(request));
//
// Thread-safe.
#ifndef FLN_SERVER_JOB_MANAGER_H_
#define FLN_SERVER_JOB_MANAGER_H_

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/dataset.h"
#include "proto/service.pb.h"
#include "proto/worker.pb.h"
#include "server/checkpoint_store.h"
#include "server/dataset_store.h"
#include "server/env.h"
#include "server/job_event_log.h"
#include "server/metadata_store.h"
#include "server/mpi_job_launcher.h"

namespace fln {

class JobManager {
 public:
  struct Options {
    int max_jobs = 1;             // jobs trained at once (worker threads), > 0
    int threads_per_job = 2;      // OpenMP threads of each job, > 0
    int max_queued_jobs = 1000;   // Submit beyond this: RESOURCE_EXHAUSTED
    bool report_batches = false;  // also store a MetricRecord after every batch
    // Submit refuses a job whose estimated peak memory (memory_estimate.h)
    // exceeds this many bytes (RESOURCE_EXHAUSTED); 0 = half of this
    // machine's physical memory.
    int64_t max_job_memory_bytes = 0;
    Env* env = Env::Default();  // clock
    // Runs jobs with processes > 1 (mpi_job_launcher.h); null: such jobs are
    // refused at submit (FAILED_PRECONDITION). Outlives the manager.
    MpiJobLauncher* launcher = nullptr;
    // Runs on a job's worker thread after each epoch checkpoint is saved and
    // recorded, with the job's stop flag (set by Cancel and Shutdown). Lets a
    // test hold a job at a known point (kill -9 included) without racing the
    // trainer; production leaves it empty.
    std::function<void(const std::string& job_id, int epoch, const std::atomic<bool>& stop)>
        after_checkpoint;
  };

  // Validates the options (INVALID_ARGUMENT naming the flag), recovers
  // unfinished jobs (see above) and starts the workers. The stores and the
  // log must outlive the manager.
  static absl::StatusOr<std::unique_ptr<JobManager>> Create(const Options& options,
                                                           MetadataStore* store,
                                                           DatasetStore* datasets,
                                                           CheckpointStore* checkpoints,
                                                           JobEventLog* events);
  ~JobManager();  // Shutdown()

  JobManager(const JobManager&) = delete;
  JobManager& operator=(const JobManager&) = delete;

  // Validates and queues a job; returns it (QUEUED, schedule with defaults).
  // With a known request_id, returns the job of the first such request.
  // INVALID_ARGUMENT naming the field: bad model or schedule (validation.h),
  // missing train_dataset_id, dataset width != model.input_size, more
  // classes than output units, holdout_fraction outside [0, 1) or leaving an
  // empty split, both a test dataset and a holdout; NOT_FOUND for an unknown
  // dataset; RESOURCE_EXHAUSTED when max_queued_jobs are waiting or the
  // job's estimated memory exceeds max_job_memory_bytes; for `processes`:
  // see CheckProcesses;
  // UNAVAILABLE after Shutdown.
  // The job records `created_by` (a token name); a known request_id from
  // another creator counts as a different request.
  absl::StatusOr<v1::Job> Submit(const v1::SubmitJobRequest& request,
                                 const std::string& created_by = "");

  // NOT_FOUND; INVALID_ARGUMENT for an empty id.
  absl::StatusOr<v1::Job> Get(const std::string& id);

  // Newest first. INVALID_ARGUMENT for an unknown state, a negative
  // page_size or a foreign page_token. page_size 0 = 50, capped at 1000.
  absl::StatusOr<v1::ListJobsResponse> List(const v1::ListJobsRequest& request);

  // A job waiting in the queue (QUEUED, or RUNNING and waiting to resume
  // after a restart) becomes CANCELLED at once; a training job gets
  // cancel_requested and stops before its next batch (then CANCELLED); a
  // RUNNING job interrupted by a shutdown in progress gets cancel_requested
  // and ends as CANCELLED at the next start.
  // NOT_FOUND; FAILED_PRECONDITION if the job already ended.
  absl::StatusOr<v1::Job> Cancel(const std::string& id);

  // Idempotent; returns once every worker has stopped.
  void Shutdown();

 private:
  struct ActiveJob {
    std::atomic<bool> cancel{false};
    bool user_cancel = false;  // guarded by JobManager::mu_
    bool shutdown = false;     // guarded by JobManager::mu_
  };

  JobManager(const Options& options, MetadataStore* store, DatasetStore* datasets,
             CheckpointStore* checkpoints, JobEventLog* events);
  absl::Status Recover();
  // For a job found RUNNING at startup: records a graceful or abrupt stop;
  // false when the job has stopped the server abruptly kMaxAbruptStops times
  // without progress and was failed instead of resumed.
  absl::StatusOr<bool> CountAbruptStop(const v1::Job& job);
  void WorkerLoop();
  void RunJob(const std::string& id, ActiveJob* active);
  // Trains the job in this process, or through options_.launcher when it
  // asks for several processes.
  absl::Status Execute(const v1::Job& job, const v1::Checkpoint* resume, ActiveJob* active);
  absl::StatusOr<v1::WorkerTask> WorkerTaskFor(const v1::Job& job, const v1::Checkpoint* resume);
  // INVALID_ARGUMENT / FAILED_PRECONDITION for a `processes` this server
  // cannot run (see SubmitJobRequest.processes).
  absl::Status CheckProcesses(int processes, const v1::Schedule& schedule) const;
  void Finish(const std::string& id, const absl::Status& status, ActiveJob* active);
  // Stores a CheckpointSaved event for the checkpoint file of `epoch`.
  absl::Status RecordCheckpoint(const std::string& id, int epoch);

  const Options options_;
  MetadataStore* const store_;
  DatasetStore* const datasets_;
  CheckpointStore* const checkpoints_;
  JobEventLog* const events_;

  absl::Mutex mu_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::shared_ptr<ActiveJob>> running_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex join_mu_;  // serialises Shutdown's joins
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(join_mu_);
};

}  // namespace fln

#endif  // FLN_SERVER_JOB_MANAGER_H_
