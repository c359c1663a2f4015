// File: mpi_job_launcher.h
//
// Runs a multi-process job (SubmitJobRequest.processes > 1) as an Open MPI
// job: `mpirun [mpirun_args] [--hostfile F] -np N fln_worker --task=...`.
// Every rank reads the task file and its datasets itself and trains its shard
// of every batch (core/train.h, TrainingHooks::collective); rank 0 streams
// metric records, a checkpoint per epoch and the result back over mpirun's
// output (worker_protocol.h), which Run hands to the caller, so storage and
// streaming stay in flnd exactly as for an in-process job.
//
// Failure handling:
//   - cancel: Run writes the cancel line to rank 0, which stops every rank at
//     the same batch boundary (the training loop reduces the flag);
//   - a rank that dies: mpirun ends the others; Run returns ABORTED with
//     mpirun's account ("process rank 1 ... exited on signal 9");
//   - flnd that dies: mpirun gets SIGTERM (PR_SET_PDEATHSIG) and rank 0 sees
//     the end of its input; either stops the job, and the next flnd resumes
//     it from its last checkpoint;
//   - workers that do not stop within `stop_grace` of a cancel are killed.
//
// Across machines every host needs the same paths: the worker binary and
// flnd's data directory (datasets and task files), e.g. on a shared file
// system; README.md, "Data-parallel training on Open MPI".
//
//   FLN_ASSIGN_OR_RETURN(auto launcher, MpiJobLauncher::Create(options));
//   absl::Status done = launcher->Run(task, callbacks);
//
// Thread-safe: Run may be called for several jobs at once.
#ifndef FLN_SERVER_MPI_JOB_LAUNCHER_H_
#define FLN_SERVER_MPI_JOB_LAUNCHER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/worker.pb.h"
#include "server/env.h"

namespace fln {

class MpiJobLauncher {
 public:
  struct Options {
    std::string mpirun = "mpirun";         // a path, or a name looked up in PATH
    std::vector<std::string> mpirun_args;  // e.g. --allow-run-as-root --bind-to none
    std::string hostfile;                  // empty: mpirun's default (this machine)
    std::string worker_binary;             // fln_worker
    std::string task_dir;                  // task files; visible to every host
    int max_processes = 64;                // largest `processes` a job may ask for
    absl::Duration stop_grace = absl::Seconds(30);
    Env* env = Env::Default();
  };

  // FAILED_PRECONDITION naming the flag when mpirun or the worker binary is
  // not an executable file; INVALID_ARGUMENT for max_processes < 2.
  static absl::StatusOr<std::unique_ptr<MpiJobLauncher>> Create(const Options& options);

  const Options& options() const { return options_; }

  struct Callbacks {
    std::function<void(const v1::MetricRecord&)> on_metrics;
    // An error stops the workers and becomes Run's result.
    std::function<absl::Status(const v1::Checkpoint&)> on_checkpoint;
    const std::atomic<bool>* cancel = nullptr;  // polled every 50 ms
  };

  // Runs `task` on task.job().processes() ranks and returns once mpirun has
  // exited: OK or rank 0's error (CANCELLED after a cancel); on_checkpoint's
  // error; ABORTED when the workers ended without a result (a rank died or
  // could not start), with mpirun's last output lines; INTERNAL if mpirun
  // cannot be started.
  absl::Status Run(const v1::WorkerTask& task, const Callbacks& callbacks);

 private:
  explicit MpiJobLauncher(const Options& options) : options_(options) {}
  std::vector<std::string> CommandLine(const v1::WorkerTask& task,
                                       const std::string& task_path) const;

  const Options options_;
};

}  // namespace fln

#endif  // FLN_SERVER_MPI_JOB_LAUNCHER_H_
