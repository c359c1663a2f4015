// FlndMain: flnd's flags, startup and signal handling (flnd.h).
#include "server/flnd.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "core/allocator_settings.h"
#include "core/gemm.h"
#include "server/logging.h"
#include "third_party/openblas_kernel.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "host:port to listen on; port 0 picks one");
ABSL_FLAG(std::string, data_dir, "./fln_data",
          "directory for the database, datasets and checkpoints (created on first start)");
ABSL_FLAG(int, max_jobs, 1, "training jobs run at the same time");
ABSL_FLAG(int, threads_per_job, 2, "OpenMP threads of each training job");
ABSL_FLAG(int64_t, max_upload_bytes, int64_t{256} << 20, "largest dataset upload accepted");
ABSL_FLAG(std::string, builtin_dir, "/usr/share/datasets/fashion-mnist",
          "where Import {builtin: \"fashion-mnist\"} finds the Fashion-MNIST IDX files");
ABSL_FLAG(double, heartbeat_seconds, 5, "seconds between heartbeats on a quiet Watch stream");
ABSL_FLAG(bool, report_batches, false, "also record a MetricRecord after every batch");
ABSL_FLAG(int, max_queued_jobs, 1000, "jobs that may wait in the queue");
ABSL_FLAG(int, max_watchers, 64, "concurrent Watch streams");
ABSL_FLAG(std::string, auth_token_file, "",
          "file of \"NAME TOKEN\" lines; every RPC but health then needs "
          "\"authorization: Bearer TOKEN\" (re-read when it changes)");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain: serve TLS (with --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA: require client certificates signed by it (mTLS)");
ABSL_FLAG(bool, insecure, false, "allow a non-loopback --listen without TLS and --auth_token_file");
ABSL_FLAG(int64_t, max_job_memory, 0,
          "refuse jobs whose estimated peak memory exceeds this many bytes (0 = half of this "
          "machine's physical memory)");

ABSL_FLAG(std::string, mpirun, "mpirun",
          "Open MPI's mpirun (a path, or a name found in PATH) for jobs with processes > 1; "
          "if it is missing, such jobs are refused");
ABSL_FLAG(std::string, mpirun_args, "",
          "extra mpirun arguments, split at spaces (e.g. '--allow-run-as-root --bind-to none')");
ABSL_FLAG(std::string, mpi_hostfile, "",
          "mpirun --hostfile for multi-process jobs (empty: all processes on this machine)");
ABSL_FLAG(std::string, worker_binary, "",
          "fln_worker for multi-process jobs (empty: next to this flnd); the same path on "
          "every host");
ABSL_FLAG(int, max_processes, 64, "largest `processes` a job may ask for");

namespace fln {
namespace {

// fln_worker in the directory of this executable.
std::string WorkerNextToSelf() {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return "fln_worker";
  const std::string path(self, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/') + 1) + "fln_worker";
}

}  // namespace

int FlndMain(int argc, char** argv, const std::function<void(FlnServer::Options*)>& customize) {
  absl::SetProgramUsageMessage("flnd: trains and serves Fenchel lifted networks over gRPC");
  absl::ParseCommandLine(argc, argv);
  KeepLargeAllocationsInHeap();

  // Block the shutdown signals before any thread exists, so every thread
  // inherits the mask and only the sigwait thread below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  FlnServer::Options options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.max_jobs = absl::GetFlag(FLAGS_max_jobs);
  options.threads_per_job = absl::GetFlag(FLAGS_threads_per_job);
  options.max_upload_bytes = absl::GetFlag(FLAGS_max_upload_bytes);
  options.builtin_dir = absl::GetFlag(FLAGS_builtin_dir);
  options.heartbeat = absl::Seconds(absl::GetFlag(FLAGS_heartbeat_seconds));
  options.report_batches = absl::GetFlag(FLAGS_report_batches);
  options.max_queued_jobs = absl::GetFlag(FLAGS_max_queued_jobs);
  options.max_watchers = absl::GetFlag(FLAGS_max_watchers);
  options.max_job_memory_bytes = absl::GetFlag(FLAGS_max_job_memory);
  options.auth_token_file = absl::GetFlag(FLAGS_auth_token_file);
  options.tls.cert = absl::GetFlag(FLAGS_tls_cert);
  options.tls.key = absl::GetFlag(FLAGS_tls_key);
  options.tls.client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  options.insecure = absl::GetFlag(FLAGS_insecure);
  options.multi_process = true;
  options.mpi.mpirun = absl::GetFlag(FLAGS_mpirun);
  options.mpi.mpirun_args =
      absl::StrSplit(absl::GetFlag(FLAGS_mpirun_args), ' ', absl::SkipEmpty());
  options.mpi.hostfile = absl::GetFlag(FLAGS_mpi_hostfile);
  options.mpi.worker_binary = absl::GetFlag(FLAGS_worker_binary).empty()
                                  ? WorkerNextToSelf()
                                  : absl::GetFlag(FLAGS_worker_binary);
  options.mpi.max_processes = absl::GetFlag(FLAGS_max_processes);
  if (customize) customize(&options);

  absl::StatusOr<std::unique_ptr<FlnServer>> server = FlnServer::Start(options);
  if (!server.ok()) {
    Log(absl::StrCat("cannot start: ", server.status().ToString()));
    return 1;
  }
  std::printf("flnd listening on %s\n", (*server)->address().c_str());
  std::fflush(stdout);
  Log(absl::StrCat("data_dir ", options.data_dir, ", max_jobs ", options.max_jobs,
                   ", threads_per_job ", options.threads_per_job, ", GEMM engine ",
                   GemmEngineName(), ", OpenBLAS kernels ", OpenBlasCoreName()));

  std::thread signal_thread([&signals, s = server->get()] {
    int received = 0;
    sigwait(&signals, &received);
    Log(absl::StrCat("received signal ", received, ", shutting down gracefully"));
    s->Shutdown();
  });
  (*server)->Wait();
  signal_thread.join();
  server->reset();
  return 0;
}

}  // namespace fln
