#include "server/fln_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/status_macros.h"
#include "grpc/health/v1/health.pb.h"
#include "server/file_util.h"
#include "server/logging.h"

namespace fln {
namespace {

constexpr const char* kServices[] = {"fln.v1.Datasets", "fln.v1.Jobs", "fln.v1.Models"};

void SetServing(grpc::Server* server, bool serving) {
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  if (health == nullptr) return;
  health->SetServingStatus(serving);  // "" and every service
  for (const char* service : kServices) health->SetServingStatus(service, serving);
}

}  // namespace

absl::StatusOr<std::unique_ptr<FlnServer>> FlnServer::Start(const Options& options) {
  std::unique_ptr<FlnServer> server(new FlnServer());
  FLN_RETURN_IF_ERROR(server->Init(options));
  return server;
}

absl::Status FlnServer::Init(const Options& options) {
  if (options.listen.empty() || options.listen.rfind(':') == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen must be host:port, got '", options.listen, "'"));
  }
  if (options.data_dir.empty()) return absl::InvalidArgumentError("--data_dir must not be empty");
  if (options.heartbeat <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("--heartbeat_seconds must be > 0, got ",
                                                   absl::FormatDuration(options.heartbeat)));
  }
  if (options.max_watchers <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_watchers must be > 0, got ", options.max_watchers));
  }
  FLN_RETURN_IF_ERROR(CheckListenSecurity(options.listen, options.tls,
                                          !options.auth_token_file.empty(), options.insecure));
  FLN_ASSIGN_OR_RETURN(const std::shared_ptr<grpc::ServerCredentials> credentials,
                       MakeServerCredentials(options.tls, options.env));
  if (!options.auth_token_file.empty()) {
    FLN_ASSIGN_OR_RETURN(auth_, TokenAuthenticator::FromFile(options.auth_token_file, options.env));
  }

  Env* const env = options.env;
  FLN_RETURN_IF_ERROR(CreateDirectories(env, options.data_dir));
  const std::string lock_path = options.data_dir + "/LOCK";
  absl::StatusOr<std::unique_ptr<FileLock>> lock = env->LockFile(lock_path);
  if (absl::IsFailedPrecondition(lock.status())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data_dir ", options.data_dir, " is in use by another flnd (", lock_path, " is locked)"));
  }
  FLN_RETURN_IF_ERROR(lock.status());
  data_dir_lock_ = std::move(lock).value();
  const std::string checkpoint_dir = options.data_dir + "/checkpoints";
  FLN_RETURN_IF_ERROR(CreateDirectories(env, checkpoint_dir));
  FLN_ASSIGN_OR_RETURN(store_, MetadataStore::Open(options.data_dir + "/fln.db", env));
  DatasetStore::Options dataset_options;
  dataset_options.data_dir = options.data_dir;
  dataset_options.max_upload_bytes = options.max_upload_bytes;
  dataset_options.builtin_dir = options.builtin_dir;
  dataset_options.env = env;
  FLN_ASSIGN_OR_RETURN(datasets_, DatasetStore::Create(dataset_options, store_.get()));
  checkpoints_ = std::make_unique<CheckpointStore>(env, checkpoint_dir);
  events_ = std::make_unique<JobEventLog>(store_.get(), options.max_watchers);
  models_ = std::make_unique<ModelRegistry>(store_.get(), checkpoints_.get(), datasets_.get());
  if (options.multi_process) {
    MpiJobLauncher::Options mpi = options.mpi;
    if (mpi.task_dir.empty()) mpi.task_dir = absl::StrCat(options.data_dir, "/workers");
    mpi.env = env;
    absl::StatusOr<std::unique_ptr<MpiJobLauncher>> launcher = MpiJobLauncher::Create(mpi);
    if (launcher.ok()) {
      launcher_ = std::move(launcher).value();
      Log(absl::StrCat("multi-process jobs: up to ", mpi.max_processes, " processes through ",
                       launcher_->options().mpirun));
    } else {
      Log(absl::StrCat("multi-process jobs disabled: ", launcher.status().message()));
    }
  }
  JobManager::Options job_options;
  job_options.launcher = launcher_.get();
  job_options.max_jobs = options.max_jobs;
  job_options.threads_per_job = options.threads_per_job;
  job_options.max_queued_jobs = options.max_queued_jobs;
  job_options.max_job_memory_bytes = options.max_job_memory_bytes;
  job_options.report_batches = options.report_batches;
  job_options.env = env;
  job_options.after_checkpoint = options.after_checkpoint;
  FLN_ASSIGN_OR_RETURN(jobs_, JobManager::Create(job_options, store_.get(), datasets_.get(),
                                                 checkpoints_.get(), events_.get()));

  datasets_service_ =
      std::make_unique<DatasetsServiceImpl>(datasets_.get(), &draining_, auth_.get());
  jobs_service_ = std::make_unique<JobsServiceImpl>(jobs_.get(), store_.get(), events_.get(),
                                                    options.heartbeat, &draining_, auth_.get());
  models_service_ = std::make_unique<ModelsServiceImpl>(models_.get(), auth_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  // Links health.pb.cc's descriptor into the pool so reflection can describe
  // grpc.health.v1.Health.
  grpc::health::v1::HealthCheckRequest::descriptor();

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, credentials, &port_);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  // gRPC sets SO_REUSEPORT by default, which lets a second flnd bind a busy
  // port and split the connections with the first: a busy port must fail.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Long watches: clients may ping every 10 s or more, even between calls.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.RegisterService(datasets_service_.get());
  builder.RegisterService(jobs_service_.get());
  builder.RegisterService(models_service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    jobs_->Shutdown();
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen, " (address in use or not local?); choose another "
        "--listen"));
  }
  address_ = absl::StrCat(options.listen.substr(0, options.listen.rfind(':')), ":", port_);
  SetServing(server_.get(), true);
  return absl::OkStatus();
}

void FlnServer::Shutdown() {
  absl::MutexLock lock(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  if (server_ == nullptr) {
    if (jobs_ != nullptr) jobs_->Shutdown();
  } else {
    Log("shutting down: draining");
    draining_.store(true);
    SetServing(server_.get(), false);
    jobs_->Shutdown();  // running jobs stop at their next batch, stay RUNNING
    Log("shutting down: jobs stopped");
    events_->Shutdown();  // watchers answer UNAVAILABLE
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    Log("shut down");
  }
}

void FlnServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

FlnServer::~FlnServer() {
  Shutdown();
  // Everything that touches data_dir is closed before the lock is released.
  server_.reset();
  models_service_.reset();
  jobs_service_.reset();
  datasets_service_.reset();
  jobs_.reset();
  models_.reset();
  events_.reset();
  checkpoints_.reset();
  datasets_.reset();
  store_.reset();
  data_dir_lock_.reset();
}

}  // namespace fln
