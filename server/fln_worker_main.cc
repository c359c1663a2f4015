// fln_worker: one rank of a multi-process job (mpi_job_launcher.h). flnd
// starts it under mpirun; it is not meant to be run by hand.
//
//   mpirun -np 2 fln_worker --task=DATA_DIR/workers/JOB.task --job=JOB
//
// Every rank reads the task and the datasets itself and trains its shard of
// every batch (core/train.h). Rank 0 writes metric records, a checkpoint per
// epoch and the result to standard output (worker_protocol.h) and stops the
// run when standard input says cancel or ends. It writes the result line for
// every outcome it sees, errors included; a rank that cannot read the task
// or its data ends the whole run with MPI_Abort, so no rank waits forever.
#include <mpi.h>
#include <omp.h>
#include <signal.h>
#include <sys/prctl.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/dataset.h"
#include "core/mpi/mpi_collective.h"
#include "core/status_macros.h"
#include "core/train.h"
#include "proto/worker.pb.h"
#include "server/dataset_store.h"
#include "server/env.h"
#include "server/file_util.h"
#include "server/holdout.h"
#include "server/progress_record.h"
#include "server/worker_protocol.h"

ABSL_FLAG(std::string, task, "", "the WorkerTask file flnd wrote");
ABSL_FLAG(std::string, job, "", "the job id (names the process in `ps`; not used otherwise)");

namespace fln {
namespace {

// Rank 0's standard output carries the protocol; one writer at a time.
void Send(const v1::WorkerMessage& message) {
  std::cout << EncodeWorkerLine(message) << std::flush;
}

// Rank 0: cancel on the cancel line or at the end of input (flnd gone).
void WatchInput(std::atomic<bool>* cancel) {
  std::thread([cancel] {
    std::string line;
    while (std::getline(std::cin, line) && line != kCancelLine) {
    }
    cancel->store(true);
  }).detach();
}

// The task's training and test sets, as every rank reads them.
struct Inputs {
  Dataset train_all, train_part, test_part;
  const Dataset* train = nullptr;
  const Dataset* test = nullptr;
};

absl::Status ReadInputs(const v1::WorkerTask& task, Inputs* inputs) {
  Env* env = Env::Default();
  FLN_ASSIGN_OR_RETURN(inputs->train_all, DatasetStore::ReadStoredDataset(env, task.train().dir(),
                                                                          task.train().info()));
  inputs->train = &inputs->train_all;
  if (task.has_test()) {
    FLN_ASSIGN_OR_RETURN(inputs->test_part, DatasetStore::ReadStoredDataset(env, task.test().dir(),
                                                                            task.test().info()));
    inputs->test = &inputs->test_part;
  } else if (task.job().holdout_fraction() > 0) {
    SplitHoldout(inputs->train_all, task.job().holdout_fraction(), &inputs->train_part,
                 &inputs->test_part);
    inputs->train = &inputs->train_part;
    inputs->test = &inputs->test_part;
  }
  return absl::OkStatus();
}

absl::Status RunTask(const v1::WorkerTask& task, const Inputs& inputs, MpiCollective* collective) {
  omp_set_num_threads(task.threads_per_process() > 0 ? task.threads_per_process() : 1);
  const bool root = collective->rank() == 0;
  std::atomic<bool> cancel{false};
  if (root) WatchInput(&cancel);
  TrainingHooks hooks;
  hooks.collective = collective;
  hooks.cancel = &cancel;
  hooks.report_batches = task.report_batches();
  if (root) {
    hooks.on_progress = [](const ProgressReport& report) {
      v1::WorkerMessage message;
      *message.mutable_metrics() = ToRecord(report);
      Send(message);
    };
    hooks.on_checkpoint = [](const v1::Checkpoint& checkpoint) {
      v1::WorkerMessage message;
      *message.mutable_checkpoint() = checkpoint;
      Send(message);
      return absl::OkStatus();
    };
  }
  return Train(task.job().model(), task.job().schedule(), *inputs.train, inputs.test, hooks,
               task.has_resume() ? &task.resume() : nullptr)
      .status();
}

void SendResult(const absl::Status& status) {
  v1::WorkerMessage message;
  message.mutable_result()->set_code(static_cast<int>(status.code()));
  message.mutable_result()->set_message(std::string(status.message()));
  Send(message);
}

absl::Status ReadTask(const std::string& path, v1::WorkerTask* task) {
  FLN_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(Env::Default(), path));
  if (!task->ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("task file ", path, " does not parse"));
  }
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  // A rank whose launcher (mpirun or Open MPI's daemon) dies goes with it.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (!LaunchedByMpirun()) {
    std::cerr << "fln_worker: start me with mpirun (flnd does, for jobs with processes > 1)\n";
    return 2;
  }
  absl::StatusOr<std::unique_ptr<MpiRuntime>> runtime = MpiRuntime::Init(&argc, &argv);
  if (!runtime.ok()) {
    std::cerr << "fln_worker: " << runtime.status() << "\n";
    return 1;
  }
  absl::ParseCommandLine(argc, argv);
  absl::Status status;
  int rank = 0;
  {
    MpiCollective collective;
    rank = collective.rank();
    v1::WorkerTask task;
    Inputs inputs;
    status = ReadTask(absl::GetFlag(FLAGS_task), &task);
    if (status.ok()) status = ReadInputs(task, &inputs);
    if (!status.ok()) {
      // Only this rank may have failed (a host that cannot see the files),
      // while the others wait in an all-reduce: end the whole run.
      std::cerr << "fln_worker rank " << rank << ": " << status << std::endl;
      if (rank == 0) SendResult(status);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    // Train's errors are the same on every rank (same data and weights).
    status = RunTask(task, inputs, &collective);
  }
  if (rank == 0) SendResult(status);
  return 0;
}

}  // namespace
}  // namespace fln

int main(int argc, char** argv) { return fln::Main(argc, argv); }
