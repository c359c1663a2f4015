#include "server/job_manager.h"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "core/layer_plan.h"
#include "core/memory_estimate.h"
#include "core/status_macros.h"
#include "core/train.h"
#include "core/validation.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/exception_guard.h"
#include "server/file_util.h"
#include "server/holdout.h"
#include "server/logging.h"
#include "server/mpi_job_launcher.h"
#include "server/progress_record.h"

namespace fln {
namespace {

constexpr size_t kMaxNameLength = 256;
constexpr size_t kMaxRequestIdLength = 128;
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 1000;
// Abrupt server stops without progress after which a job is not resumed.
constexpr int kMaxAbruptStops = 2;

bool IsTerminal(v1::JobState state) {
  return state == v1::SUCCEEDED || state == v1::FAILED || state == v1::CANCELLED;
}

v1::JobEvent StateEvent(v1::JobState state, int error_code = 0, std::string message = "") {
  v1::JobEvent event;
  event.mutable_state()->set_state(state);
  event.mutable_state()->set_error_code(error_code);
  event.mutable_state()->set_message(std::move(message));
  return event;
}

absl::Status AlreadyEnded(const v1::Job& job) {
  return absl::FailedPreconditionError(absl::StrCat(
      "job ", job.id(), " already ended (", v1::JobState_Name(job.state()),
      "); only QUEUED or RUNNING jobs can be cancelled"));
}

// Options.max_job_memory_bytes, or half of the physical memory if 0.
int64_t MemoryBudget(const JobManager::Options& options) {
  if (options.max_job_memory_bytes > 0) return options.max_job_memory_bytes;
  const int64_t pages = ::sysconf(_SC_PHYS_PAGES);
  const int64_t page_size = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page_size > 0 ? pages * page_size / 2 : int64_t{4} << 30;
}

absl::Status CheckMemoryBudget(const std::vector<LayerPlan>& plan, const v1::Schedule& schedule,
                               int64_t train_samples, int64_t test_samples, int64_t budget) {
  const TrainingMemoryEstimate estimate =
      EstimateTrainingMemory(plan, schedule, train_samples, test_samples);
  if (estimate.total() <= budget) return absl::OkStatus();
  constexpr double kMiB = 1 << 20;
  return absl::ResourceExhaustedError(absl::StrFormat(
      "the job needs an estimated %.0f MiB (data %.0f, weights %.0f, activations at batch "
      "size %d %.0f), over this server's per-job limit of %.0f MiB (--max_job_memory); use a "
      "smaller batch_size or model",
      estimate.total() / kMiB, estimate.data_bytes / kMiB, estimate.weight_bytes / kMiB,
      schedule.batch_size(), estimate.activation_bytes / kMiB, budget / kMiB));
}

// A submit whose request_id an earlier one used: the same request (a retry)
// gets the earlier job; a different one is refused, never silently merged.
absl::StatusOr<v1::Job> JobForRetry(const v1::Job& earlier, const v1::Job& retry) {
  const bool same_request =
      earlier.name() == retry.name() && earlier.created_by() == retry.created_by() &&
      earlier.train_dataset_id() == retry.train_dataset_id() &&
      earlier.test_dataset_id() == retry.test_dataset_id() &&
      earlier.holdout_fraction() == retry.holdout_fraction() &&
      earlier.processes() == retry.processes() &&
      google::protobuf::util::MessageDifferencer::Equals(earlier.model(), retry.model()) &&
      google::protobuf::util::MessageDifferencer::Equals(earlier.schedule(), retry.schedule());
  if (!same_request) {
    return absl::AlreadyExistsError(absl::StrCat(
        "request_id '", retry.request_id(), "' was used for job ", earlier.id(),
        " with a different request; use a new request_id for a new job"));
  }
  return earlier;
}

absl::Status CheckDatasetFits(const v1::Dataset& data, const v1::ModelSpec& model,
                              int classes, const char* field) {
  if (data.num_features() != model.input_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model.input_size is ", model.input_size(), " but ", field, " '", data.id(), "' has ",
        data.num_features(), " features per sample"));
  }
  if (data.num_classes() > classes) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " '", data.id(), "' has ", data.num_classes(),
        " classes but the model's output layer (model.layers[last].dense.units) has ", classes,
        " units"));
  }
  return absl::OkStatus();
}

}  // namespace

JobManager::JobManager(const Options& options, MetadataStore* store, DatasetStore* datasets,
                       CheckpointStore* checkpoints, JobEventLog* events)
    : options_(options),
      store_(store),
      datasets_(datasets),
      checkpoints_(checkpoints),
      events_(events) {}

absl::StatusOr<std::unique_ptr<JobManager>> JobManager::Create(const Options& options,
                                                               MetadataStore* store,
                                                               DatasetStore* datasets,
                                                               CheckpointStore* checkpoints,
                                                               JobEventLog* events) {
  if (options.max_jobs <= 0 || options.max_jobs > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_jobs must be in [1, 64], got ", options.max_jobs));
  }
  if (options.max_job_memory_bytes < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--max_job_memory must be >= 0, got ",
                                                   options.max_job_memory_bytes));
  }
  if (options.threads_per_job <= 0 || options.threads_per_job > 256) {
    return absl::InvalidArgumentError(
        absl::StrCat("--threads_per_job must be in [1, 256], got ", options.threads_per_job));
  }
  if (options.max_queued_jobs <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_queued_jobs must be > 0, got ", options.max_queued_jobs));
  }
  std::unique_ptr<JobManager> manager(
      new JobManager(options, store, datasets, checkpoints, events));
  FLN_RETURN_IF_ERROR(manager->Recover());
  absl::MutexLock lock(&manager->join_mu_);
  for (int i = 0; i < options.max_jobs; ++i) {
    manager->workers_.emplace_back([m = manager.get()] { m->WorkerLoop(); });
  }
  return manager;
}

JobManager::~JobManager() { Shutdown(); }

absl::Status JobManager::Recover() {
  FLN_ASSIGN_OR_RETURN(std::vector<v1::Job> running, store_->ListJobsInStates({v1::RUNNING}));
  FLN_ASSIGN_OR_RETURN(std::vector<v1::Job> queued, store_->ListJobsInStates({v1::QUEUED}));
  absl::MutexLock lock(&mu_);
  for (const v1::Job& job : running) {
    events_->NoteSequence(job.id(), job.last_sequence());
    if (job.cancel_requested()) {
      FLN_RETURN_IF_ERROR(
          events_
              ->Append(job.id(),
                       [this](v1::Job* j) {
                         j->set_state(v1::CANCELLED);
                         j->set_finished_at_micros(options_.env->NowMicros());
                         return absl::OkStatus();
                       },
                       {StateEvent(v1::CANCELLED, 0,
                                   "cancelled by request; the server stopped before the job did")})
              .status());
      continue;
    }
    FLN_ASSIGN_OR_RETURN(const bool resumes, CountAbruptStop(job));
    if (!resumes) continue;
    Log(absl::StrCat("job ", job.id(), " was RUNNING; it resumes from its last checkpoint"));
    queue_.push_back(job.id());
  }
  for (const v1::Job& job : queued) {
    events_->NoteSequence(job.id(), job.last_sequence());
    queue_.push_back(job.id());
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> JobManager::CountAbruptStop(const v1::Job& job) {
  if (job.stopped_gracefully()) {
    FLN_RETURN_IF_ERROR(events_
                            ->Append(job.id(),
                                     [](v1::Job* j) {
                                       j->set_stopped_gracefully(false);
                                       return absl::OkStatus();
                                     },
                                     {})
                            .status());
    return true;
  }
  // A new checkpoint since the last abrupt stop is progress: count afresh.
  const bool progressed = job.abrupt_stops() == 0 ||
                          job.epochs_completed() > job.epochs_at_abrupt_stop();
  const int stops = progressed ? 1 : job.abrupt_stops() + 1;
  if (stops < kMaxAbruptStops) {
    FLN_RETURN_IF_ERROR(events_
                            ->Append(job.id(),
                                     [&](v1::Job* j) {
                                       j->set_abrupt_stops(stops);
                                       j->set_epochs_at_abrupt_stop(j->epochs_completed());
                                       return absl::OkStatus();
                                     },
                                     {})
                            .status());
    return true;
  }
  const std::string reason = absl::StrCat(
      "the server stopped abruptly ", stops, " times while this job ran, with no new "
      "checkpoint in between (a crash in this job, or kill -9); not resuming it again. The "
      "server log says more; resubmit once the cause is fixed");
  Log(absl::StrCat("job ", job.id(), " failed: ", reason));
  FLN_RETURN_IF_ERROR(events_
                          ->Append(job.id(),
                                   [&](v1::Job* j) {
                                     j->set_abrupt_stops(stops);
                                     j->set_state(v1::FAILED);
                                     j->set_finished_at_micros(options_.env->NowMicros());
                                     j->set_error_code(static_cast<int>(absl::StatusCode::kAborted));
                                     j->set_error_message(reason);
                                     return absl::OkStatus();
                                   },
                                   {StateEvent(v1::FAILED,
                                               static_cast<int>(absl::StatusCode::kAborted),
                                               reason)})
                          .status());
  return false;
}

absl::Status JobManager::CheckProcesses(int processes, const v1::Schedule& schedule) const {
  if (processes < 0) {
    return absl::InvalidArgumentError(absl::StrCat("processes must be >= 0, got ", processes));
  }
  if (processes <= 1) return absl::OkStatus();
  if (options_.launcher == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("processes is ", processes,
                     " but this flnd trains in-process only (its log says why): multi-process jobs "
                     "need --mpirun (Open MPI) and --worker_binary"));
  }
  const int max = options_.launcher->options().max_processes;
  if (processes > max) {
    return absl::InvalidArgumentError(absl::StrCat("processes must be at most ", max,
                                                   " (flnd --max_processes), got ", processes));
  }
  if (schedule.batch_size() < processes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "schedule.batch_size (", schedule.batch_size(), ") must be at least processes (", processes,
        "): every process trains on its share of every batch"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Job> JobManager::Submit(const v1::SubmitJobRequest& request,
                                           const std::string& created_by) {
  {
    absl::MutexLock lock(&mu_);
    if (shutting_down_) {
      return absl::UnavailableError("server shutting down; submit again once it has restarted");
    }
  }
  if (request.name().size() > kMaxNameLength) {
    return absl::InvalidArgumentError(absl::StrCat("name must be at most ", kMaxNameLength,
                                                   " bytes, got ", request.name().size()));
  }
  if (request.request_id().size() > kMaxRequestIdLength) {
    return absl::InvalidArgumentError(absl::StrCat("request_id must be at most ",
                                                   kMaxRequestIdLength, " bytes, got ",
                                                   request.request_id().size()));
  }
  FLN_RETURN_IF_ERROR(ValidateModelSpec(request.model()));
  // Weight layers (pooling layers fold into the next one).
  FLN_ASSIGN_OR_RETURN(const std::vector<LayerPlan> plan, PlanLayers(request.model()));
  const int num_hidden = static_cast<int>(plan.size()) - 1;
  const int classes = plan.back().output_size;
  v1::Schedule requested = request.schedule();
  // fln trains Fenchel lifted networks unless asked otherwise.
  if (requested.method() == v1::METHOD_UNSPECIFIED) requested.set_method(v1::FLN);
  const v1::Schedule schedule = WithDefaults(requested, num_hidden);
  FLN_RETURN_IF_ERROR(ValidateSchedule(schedule, num_hidden));
  FLN_RETURN_IF_ERROR(CheckProcesses(request.processes(), schedule));

  if (request.train_dataset_id().empty()) {
    return absl::InvalidArgumentError("train_dataset_id is required");
  }
  absl::StatusOr<v1::Dataset> train = store_->GetDataset(request.train_dataset_id());
  if (!train.ok()) {
    return absl::Status(train.status().code(),
                        absl::StrCat("train_dataset_id: ", train.status().message()));
  }
  FLN_RETURN_IF_ERROR(CheckDatasetFits(*train, request.model(), classes, "train_dataset_id"));
  int64_t test_samples = 0;
  const float holdout = request.holdout_fraction();
  if (!(holdout >= 0.0f && holdout < 1.0f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("holdout_fraction must be in [0, 1), got ", holdout));
  }
  if (!request.test_dataset_id().empty()) {
    if (holdout > 0) {
      return absl::InvalidArgumentError(
          "set either test_dataset_id or holdout_fraction, not both");
    }
    absl::StatusOr<v1::Dataset> test = store_->GetDataset(request.test_dataset_id());
    if (!test.ok()) {
      return absl::Status(test.status().code(),
                          absl::StrCat("test_dataset_id: ", test.status().message()));
    }
    FLN_RETURN_IF_ERROR(CheckDatasetFits(*test, request.model(), classes, "test_dataset_id"));
    test_samples = test->num_samples();
  } else if (holdout > 0) {
    const int n = static_cast<int>(train->num_samples());
    const int held = HoldoutCount(n, holdout);
    if (held < 1 || held >= n) {
      return absl::InvalidArgumentError(absl::StrCat(
          "holdout_fraction ", holdout, " of the ", n, " samples of train dataset '",
          train->id(), "' holds out ", held, " samples; both parts need at least one"));
    }
  }
  FLN_RETURN_IF_ERROR(CheckMemoryBudget(plan, schedule, train->num_samples(), test_samples,
                                        MemoryBudget(options_)));

  v1::Job job;
  job.set_id(absl::StrCat("job-", RandomHex(12)));
  job.set_name(request.name());
  job.set_state(v1::QUEUED);
  job.set_train_dataset_id(request.train_dataset_id());
  job.set_test_dataset_id(request.test_dataset_id());
  job.set_holdout_fraction(holdout);
  *job.mutable_model() = request.model();
  *job.mutable_schedule() = schedule;
  job.set_created_at_micros(options_.env->NowMicros());
  job.set_request_id(request.request_id());
  job.set_created_by(created_by);
  job.set_processes(request.processes());

  absl::MutexLock lock(&mu_);
  if (shutting_down_) {
    return absl::UnavailableError("server shutting down; submit again once it has restarted");
  }
  // A retry gets its job back even when the queue has filled since.
  if (!job.request_id().empty()) {
    FLN_ASSIGN_OR_RETURN(const std::optional<v1::Job> earlier,
                         store_->FindJobByRequestId(job.request_id()));
    if (earlier.has_value()) return JobForRetry(*earlier, job);
  }
  if (static_cast<int>(queue_.size()) >= options_.max_queued_jobs) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the job queue is full (", options_.max_queued_jobs,
        " jobs waiting); wait for jobs to finish or cancel some, then submit again"));
  }
  FLN_ASSIGN_OR_RETURN(MetadataStore::InsertJobResult inserted,
                       store_->InsertJob(job, StateEvent(v1::QUEUED)));
  if (!inserted.created) return JobForRetry(inserted.job, job);
  events_->NoteSequence(inserted.job.id(), inserted.job.last_sequence());
  queue_.push_back(inserted.job.id());
  return inserted.job;
}

absl::StatusOr<v1::Job> JobManager::Get(const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("id is required");
  return store_->GetJob(id);
}

absl::StatusOr<v1::ListJobsResponse> JobManager::List(const v1::ListJobsRequest& request) {
  if (!v1::JobState_IsValid(request.state())) {
    return absl::InvalidArgumentError(
        absl::StrCat("state must be a JobState, got ", request.state()));
  }
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size must be >= 0, got ", request.page_size()));
  }
  const int page_size = request.page_size() == 0 ? kDefaultPageSize
                                                 : std::min(request.page_size(), kMaxPageSize);
  FLN_ASSIGN_OR_RETURN(MetadataStore::JobPage page,
                       store_->ListJobs(request.state(), page_size, request.page_token(),
                                       request.created_by()));
  v1::ListJobsResponse response;
  for (v1::Job& job : page.jobs) *response.add_jobs() = std::move(job);
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<v1::Job> JobManager::Cancel(const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("id is required");
  // mu_ orders this against a worker taking the job off the queue.
  absl::MutexLock lock(&mu_);
  FLN_ASSIGN_OR_RETURN(v1::Job job, store_->GetJob(id));
  if (IsTerminal(job.state())) return AlreadyEnded(job);

  // Records the request on a job that is still running (or will resume).
  const auto mark_cancel_requested = [](v1::Job* j) {
    if (IsTerminal(j->state())) return AlreadyEnded(*j);
    j->set_cancel_requested(true);
    return absl::OkStatus();
  };
  auto running = running_.find(id);
  if (running != running_.end()) {
    // Flag first, so at most the batch in flight finishes after we return.
    running->second->user_cancel = true;
    running->second->cancel.store(true);
    return events_->Append(
        id,
        mark_cancel_requested,
        {});
  }
  auto queued = std::find(queue_.begin(), queue_.end(), id);
  const bool was_queued = queued != queue_.end();
  if (was_queued) queue_.erase(queued);
  // Waiting in the queue (to start, or to resume after a restart), or QUEUED
  // in the store while a shutdown is in progress: it ends here.
  if (was_queued || job.state() == v1::QUEUED) {
    const std::string message = job.state() == v1::QUEUED
                                    ? "cancelled by request before it started"
                                    : "cancelled by request before it resumed";
    return events_->Append(id,
                           [this](v1::Job* j) {
                             if (IsTerminal(j->state())) return AlreadyEnded(*j);
                             j->set_state(v1::CANCELLED);
                             j->set_cancel_requested(true);
                             j->set_finished_at_micros(options_.env->NowMicros());
                             return absl::OkStatus();
                           },
                           {StateEvent(v1::CANCELLED, 0, message)});
  }
  // RUNNING in the store but not here: interrupted by a shutdown in progress.
  // The next start sees cancel_requested and ends it as CANCELLED.
  return events_->Append(
      id,
      mark_cancel_requested,
      {});
}

void JobManager::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    for (auto& [id, active] : running_) {
      active->shutdown = true;
      active->cancel.store(true);
    }
  }
  absl::MutexLock lock(&join_mu_);
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

void JobManager::WorkerLoop() {
  while (true) {
    std::string id;
    std::shared_ptr<ActiveJob> active;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](JobManager* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(m->mu_) {
            return m->shutting_down_ || !m->queue_.empty();
          },
          this));
      if (shutting_down_) return;
      id = std::move(queue_.front());
      queue_.pop_front();
      active = std::make_shared<ActiveJob>();
      running_[id] = active;
    }
    RunJob(id, active.get());
    absl::MutexLock lock(&mu_);
    running_.erase(id);
  }
}

void JobManager::RunJob(const std::string& id, ActiveJob* active) {
  // Per-thread OpenMP pool size: Eigen's GEMM and the trainers' loops in
  // this job use this many threads, whatever other jobs do.
  omp_set_num_threads(options_.threads_per_job);
  absl::StatusOr<v1::Job> job = store_->GetJob(id);
  if (!job.ok()) {
    Log(absl::StrCat("job ", id, " vanished before it started: ", job.status().ToString()));
    return;
  }
  if (job->state() != v1::QUEUED && job->state() != v1::RUNNING) return;  // cancelled meanwhile

  const bool recovering = job->state() == v1::RUNNING;
  std::optional<v1::Checkpoint> resume;
  if (recovering) {
    absl::StatusOr<v1::Checkpoint> checkpoint = checkpoints_->Load(id);
    if (checkpoint.ok()) {
      resume = std::move(checkpoint).value();
    } else if (!absl::IsNotFound(checkpoint.status())) {
      Finish(id, checkpoint.status(), active);
      return;
    }
  }
  const int from_epoch = resume ? resume->state().epochs_completed() : 0;
  if (from_epoch > job->epochs_completed()) {
    // The server stopped between writing the checkpoint and recording it.
    const absl::Status recorded = RecordCheckpoint(id, from_epoch);
    if (!recorded.ok()) {
      Finish(id, recorded, active);
      return;
    }
  }
  v1::JobEvent start;
  if (recovering) {
    start.mutable_resumed()->set_from_epoch(from_epoch);
  } else {
    start = StateEvent(v1::RUNNING);
  }
  absl::StatusOr<v1::Job> started = events_->Append(
      id,
      [&](v1::Job* j) {
        j->set_state(v1::RUNNING);
        if (j->started_at_micros() == 0) j->set_started_at_micros(options_.env->NowMicros());
        j->set_epochs_completed(from_epoch);
        return absl::OkStatus();
      },
      {start});
  if (!started.ok()) {
    Log(absl::StrCat("job ", id, " could not start: ", started.status().ToString()));
    return;
  }
  if (recovering) Log(absl::StrCat("job ", id, " resumed from epoch ", from_epoch));
  Finish(
      id,
      StatusFromExceptions(absl::StrCat("job ", id),
                           [&] { return Execute(*started, resume ? &*resume : nullptr, active); }),
      active);
}

absl::Status JobManager::Execute(const v1::Job& job, const v1::Checkpoint* resume,
                                 ActiveJob* active) {
  const std::string& id = job.id();
  if (resume != nullptr) {
    // A run that stopped early is complete even though epochs remain.
    const int patience = resume->schedule().early_stopping().patience();
    if (patience > 0 && resume->state().epochs_since_best() >= patience) return absl::OkStatus();
  }

  // Reports the history already holds (a resumed run recomputes the epoch it
  // was in, bit for bit) are not stored again.
  const std::pair<int, int> recorded(job.latest_metrics().epoch(), job.latest_metrics().batch());
  absl::Status progress_error;
  auto on_metrics = [&](const v1::MetricRecord& metrics) {
    if (std::make_pair(metrics.epoch(), metrics.batch()) <= recorded || !progress_error.ok()) {
      return;
    }
    v1::JobEvent event;
    v1::MetricRecord* record = event.mutable_metrics();
    *record = metrics;
    record->set_produced_at_micros(options_.env->NowMicros());
    event.set_time_micros(record->produced_at_micros());
    progress_error = events_
                         ->Append(id,
                                  [&](v1::Job* j) {
                                    *j->mutable_latest_metrics() = event.metrics();
                                    return absl::OkStatus();
                                  },
                                  {event})
                         .status();
  };
  auto on_checkpoint = [&](const v1::Checkpoint& checkpoint) -> absl::Status {
    FLN_RETURN_IF_ERROR(progress_error);
    FLN_RETURN_IF_ERROR(checkpoints_->Save(id, checkpoint));
    const int epoch = checkpoint.state().epochs_completed();
    FLN_RETURN_IF_ERROR(RecordCheckpoint(id, epoch));
    if (options_.after_checkpoint) options_.after_checkpoint(id, epoch, active->cancel);
    return absl::OkStatus();
  };

  if (job.processes() > 1) {
    if (options_.launcher == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the job asks for ", job.processes(),
          " processes but this flnd was started without --mpirun; restart it with --mpirun"));
    }
    FLN_ASSIGN_OR_RETURN(v1::WorkerTask task, WorkerTaskFor(job, resume));
    MpiJobLauncher::Callbacks callbacks;
    callbacks.on_metrics = on_metrics;
    callbacks.on_checkpoint = on_checkpoint;
    callbacks.cancel = &active->cancel;
    return options_.launcher->Run(task, callbacks);
  }

  FLN_ASSIGN_OR_RETURN(std::shared_ptr<const Dataset> train_all,
                       datasets_->Load(job.train_dataset_id()));
  const Dataset* train = train_all.get();
  std::shared_ptr<const Dataset> test_holder;
  const Dataset* test = nullptr;
  Dataset train_part, test_part;
  if (!job.test_dataset_id().empty()) {
    FLN_ASSIGN_OR_RETURN(test_holder, datasets_->Load(job.test_dataset_id()));
    test = test_holder.get();
  } else if (job.holdout_fraction() > 0) {
    SplitHoldout(*train_all, job.holdout_fraction(), &train_part, &test_part);
    train = &train_part;
    test = &test_part;
  }
  TrainingHooks hooks;
  hooks.cancel = &active->cancel;
  hooks.report_batches = options_.report_batches;
  hooks.on_progress = [&](const ProgressReport& report) { on_metrics(ToRecord(report)); };
  hooks.on_checkpoint = on_checkpoint;
  return Train(job.model(), job.schedule(), *train, test, hooks, resume).status();
}

absl::StatusOr<v1::WorkerTask> JobManager::WorkerTaskFor(const v1::Job& job,
                                                         const v1::Checkpoint* resume) {
  v1::WorkerTask task;
  *task.mutable_job() = job;
  FLN_ASSIGN_OR_RETURN(*task.mutable_train()->mutable_info(),
                       store_->GetDataset(job.train_dataset_id()));
  task.mutable_train()->set_dir(datasets_->DirOf(job.train_dataset_id()));
  if (!job.test_dataset_id().empty()) {
    FLN_ASSIGN_OR_RETURN(*task.mutable_test()->mutable_info(),
                         store_->GetDataset(job.test_dataset_id()));
    task.mutable_test()->set_dir(datasets_->DirOf(job.test_dataset_id()));
  }
  if (resume != nullptr) *task.mutable_resume() = *resume;
  task.set_report_batches(options_.report_batches);
  task.set_threads_per_process(options_.threads_per_job);
  return task;
}

absl::Status JobManager::RecordCheckpoint(const std::string& id, int epoch) {
  v1::JobEvent event;
  event.mutable_checkpoint()->set_epoch(epoch);
  event.mutable_checkpoint()->set_model_id(id);
  return events_
      ->Append(id,
               [&](v1::Job* j) {
                 j->set_epochs_completed(epoch);
                 return absl::OkStatus();
               },
               {event})
      .status();
}

void JobManager::Finish(const std::string& id, const absl::Status& status, ActiveJob* active) {
  v1::JobEvent event;
  if (absl::IsCancelled(status)) {
    bool shutdown, user_cancel;
    {
      absl::MutexLock lock(&mu_);
      shutdown = active->shutdown;
      user_cancel = active->user_cancel;
    }
    if (shutdown && !user_cancel) {
      Log(absl::StrCat("job ", id, " interrupted by shutdown (", status.message(),
                       "); it resumes from its last checkpoint on restart"));
      // So the restart does not count this stop as a crash.
      const absl::Status marked = events_
                                      ->Append(id,
                                               [](v1::Job* j) {
                                                 j->set_stopped_gracefully(true);
                                                 return absl::OkStatus();
                                               },
                                               {})
                                      .status();
      if (!marked.ok()) Log(absl::StrCat("job ", id, ": ", marked.ToString()));
      return;
    }
    event = StateEvent(v1::CANCELLED, 0, std::string(status.message()));
  } else if (status.ok()) {
    event = StateEvent(v1::SUCCEEDED);
  } else {
    event = StateEvent(v1::FAILED, static_cast<int>(status.code()), std::string(status.message()));
    Log(absl::StrCat("job ", id, " failed: ", status.ToString()));
  }
  const v1::StateChange change = event.state();
  absl::StatusOr<v1::Job> finished = events_->Append(
      id,
      [&](v1::Job* j) {
        j->set_state(change.state());
        j->set_finished_at_micros(options_.env->NowMicros());
        j->set_error_code(change.error_code());
        j->set_error_message(change.message());
        return absl::OkStatus();
      },
      {event});
  if (!finished.ok()) {
    Log(absl::StrCat("job ", id, ": could not record its end (", v1::JobState_Name(change.state()),
                     "): ", finished.status().ToString()));
  }
}

}  // namespace fln
