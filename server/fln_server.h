// File: fln_server.h
//
// The whole flnd daemon as an object: opens (or creates) the data directory,
// its SQLite metadata, dataset and checkpoint stores, starts the job manager
// (which resumes interrupted jobs) and the gRPC server with the Datasets,
// Jobs and Models services, standard health checking and server reflection.
// Tests run it in-process on "127.0.0.1:0"; flnd_main.cc wraps it in flags
// and signal handling.
//
//   FlnServer::Options options;
//   options.listen = "127.0.0.1:0";
//   options.data_dir = dir;
//   FLN_ASSIGN_OR_RETURN(std::unique_ptr<FlnServer> server, FlnServer::Start(options));
//   ... connect to server->address() ...
//   server->Shutdown();  // graceful; jobs stay RUNNING and resume next Start
//
// One data directory serves one FlnServer at a time (an flock on
// data_dir/LOCK; a killed process releases it).
#ifndef FLN_SERVER_FLN_SERVER_H_
#define FLN_SERVER_FLN_SERVER_H_

#include <grpcpp/server.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/checkpoint_store.h"
#include "server/dataset_store.h"
#include "server/job_event_log.h"
#include "server/job_manager.h"
#include "server/metadata_store.h"
#include "server/model_registry.h"
#include "server/mpi_job_launcher.h"
#include "server/rpc_services.h"
#include "server/server_credentials.h"
#include "server/token_authenticator.h"

namespace fln {

class FlnServer {
 public:
  struct Options {
    std::string listen = "127.0.0.1:50051";  // host:port; port 0 picks one
    std::string data_dir = "fln_data";       // created on first start
    int max_jobs = 1;
    int threads_per_job = 2;
    int64_t max_upload_bytes = int64_t{256} << 20;
    std::string builtin_dir = "/usr/share/datasets/fashion-mnist";
    absl::Duration heartbeat = absl::Seconds(5);
    bool report_batches = false;
    int max_queued_jobs = 1000;
    int64_t max_job_memory_bytes = 0;  // JobManager::Options
    int max_watchers = 64;
    int max_receive_message_bytes = 8 << 20;
    // "NAME TOKEN" lines (token_authenticator.h); empty: no tokens.
    std::string auth_token_file;
    TlsFiles tls;  // server_credentials.h; empty: plaintext
    // Serve a non-loopback `listen` without TLS and tokens.
    bool insecure = false;
    Env* env = Env::Default();  // files and clock (env.h); outlives the server
    // Multi-process jobs (SubmitJobRequest.processes > 1) through mpirun. If
    // the launcher cannot be created (no mpirun, no worker binary) the
    // server still starts, logs why, and refuses such jobs at submit.
    bool multi_process = false;
    MpiJobLauncher::Options mpi;  // task_dir empty: data_dir/workers
    // JobManager::Options::after_checkpoint (tests only).
    std::function<void(const std::string& job_id, int epoch, const std::atomic<bool>& stop)>
        after_checkpoint;
  };

  // INVALID_ARGUMENT naming the flag for bad options (a non-loopback listen
  // without TLS and tokens and without `insecure`, a malformed token file); FAILED_PRECONDITION if
  // another server holds data_dir; UNAVAILABLE if `listen` cannot be bound;
  // storage errors (DATA_LOSS for a corrupt database).
  static absl::StatusOr<std::unique_ptr<FlnServer>> Start(const Options& options);

  ~FlnServer();  // Shutdown()
  FlnServer(const FlnServer&) = delete;
  FlnServer& operator=(const FlnServer&) = delete;

  int port() const { return port_; }
  // The host of Options::listen with the bound port, e.g. "127.0.0.1:40123".
  const std::string& address() const { return address_; }

  // Graceful shutdown, in order: health NOT_SERVING and new uploads/submits
  // refused (UNAVAILABLE); the job manager stops dequeuing and interrupts
  // running jobs at their next batch (they stay RUNNING, their last epoch
  // checkpoint is on disk); watchers are woken (UNAVAILABLE); the gRPC server
  // shuts down (5 s grace for calls in flight). Idempotent, thread-safe.
  void Shutdown();

  // Blocks until Shutdown has completed.
  void Wait();

 private:
  FlnServer() = default;
  absl::Status Init(const Options& options);

  std::unique_ptr<FileLock> data_dir_lock_;
  std::atomic<bool> draining_{false};
  // Declared in dependency order: destroyed in reverse, server first.
  std::unique_ptr<MetadataStore> store_;
  std::unique_ptr<DatasetStore> datasets_;
  std::unique_ptr<CheckpointStore> checkpoints_;
  std::unique_ptr<JobEventLog> events_;
  std::unique_ptr<ModelRegistry> models_;
  std::unique_ptr<TokenAuthenticator> auth_;
  std::unique_ptr<MpiJobLauncher> launcher_;  // null: in-process jobs only
  std::unique_ptr<JobManager> jobs_;
  std::unique_ptr<DatasetsServiceImpl> datasets_service_;
  std::unique_ptr<JobsServiceImpl> jobs_service_;
  std::unique_ptr<ModelsServiceImpl> models_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string address_;

  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace fln

#endif  // FLN_SERVER_FLN_SERVER_H_
