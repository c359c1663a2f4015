// File: rpc_services.h
//
// The gRPC boundary: one final class per service in proto/service.proto.
// Handlers are thin (gRPC route_guide style): check the request's shape,
// call a server/ class, convert the result; every error leaves through
// ToGrpcStatus (status_conversion.h). No state of their own beyond pointers
// to the objects that do the work, which must outlive the services.
//
// While `draining` is true (graceful shutdown in progress), calls that would
// create something (Upload, Import, Submit) answer UNAVAILABLE. With a
// TokenAuthenticator (null: no tokens), every call first proves a token or
// answers UNAUTHENTICATED; uploads and jobs record the token's name.
#ifndef FLN_SERVER_RPC_SERVICES_H_
#define FLN_SERVER_RPC_SERVICES_H_

#include <atomic>

#include "absl/time/time.h"
#include "proto/service.grpc.pb.h"
#include "server/dataset_store.h"
#include "server/job_event_log.h"
#include "server/job_manager.h"
#include "server/metadata_store.h"
#include "server/model_registry.h"
#include "server/token_authenticator.h"

namespace fln {

class DatasetsServiceImpl final : public v1::Datasets::Service {
 public:
  DatasetsServiceImpl(DatasetStore* datasets, const std::atomic<bool>* draining,
                      TokenAuthenticator* auth)
      : datasets_(datasets), draining_(draining), auth_(auth) {}

  // The first message must be a header, every later one a chunk. A cancelled
  // or failed upload stores nothing.
  grpc::Status Upload(grpc::ServerContext* context,
                      grpc::ServerReader<v1::UploadDatasetRequest>* reader,
                      v1::Dataset* response) override;
  grpc::Status Import(grpc::ServerContext* context, const v1::ImportDatasetRequest* request,
                      v1::ImportDatasetResponse* response) override;
  grpc::Status List(grpc::ServerContext* context, const v1::ListDatasetsRequest* request,
                    v1::ListDatasetsResponse* response) override;
  grpc::Status Get(grpc::ServerContext* context, const v1::GetDatasetRequest* request,
                   v1::Dataset* response) override;
  grpc::Status Delete(grpc::ServerContext* context, const v1::DeleteDatasetRequest* request,
                      v1::DeleteDatasetResponse* response) override;

 private:
  DatasetStore* const datasets_;
  const std::atomic<bool>* const draining_;
  TokenAuthenticator* const auth_;
};

class JobsServiceImpl final : public v1::Jobs::Service {
 public:
  JobsServiceImpl(JobManager* jobs, MetadataStore* store, JobEventLog* events,
                  absl::Duration heartbeat, const std::atomic<bool>* draining,
                  TokenAuthenticator* auth)
      : jobs_(jobs),
        store_(store),
        events_(events),
        heartbeat_(heartbeat),
        draining_(draining),
        auth_(auth) {}

  grpc::Status Submit(grpc::ServerContext* context, const v1::SubmitJobRequest* request,
                      v1::Job* response) override;
  grpc::Status Get(grpc::ServerContext* context, const v1::GetJobRequest* request,
                   v1::Job* response) override;
  grpc::Status List(grpc::ServerContext* context, const v1::ListJobsRequest* request,
                    v1::ListJobsResponse* response) override;
  grpc::Status Cancel(grpc::ServerContext* context, const v1::CancelJobRequest* request,
                      v1::Job* response) override;
  // Replays stored events from from_sequence, then follows the job until it
  // ends (OK). A Heartbeat (not stored; sequence = last stored event) goes out
  // after every `heartbeat` without events. UNAVAILABLE when the server shuts
  // down (reconnect with from_sequence = last sequence seen + 1); CANCELLED
  // when the client goes away.
  grpc::Status Watch(grpc::ServerContext* context, const v1::WatchJobRequest* request,
                     grpc::ServerWriter<v1::JobEvent>* writer) override;

 private:
  JobManager* const jobs_;
  MetadataStore* const store_;
  JobEventLog* const events_;
  const absl::Duration heartbeat_;
  const std::atomic<bool>* const draining_;
  TokenAuthenticator* const auth_;
};

class ModelsServiceImpl final : public v1::Models::Service {
 public:
  ModelsServiceImpl(ModelRegistry* models, TokenAuthenticator* auth)
      : models_(models), auth_(auth) {}

  grpc::Status List(grpc::ServerContext* context, const v1::ListModelsRequest* request,
                    v1::ListModelsResponse* response) override;
  grpc::Status Get(grpc::ServerContext* context, const v1::GetModelRequest* request,
                   v1::Model* response) override;
  grpc::Status Predict(grpc::ServerContext* context, const v1::PredictRequest* request,
                       v1::PredictResponse* response) override;
  grpc::Status Evaluate(grpc::ServerContext* context, const v1::EvaluateRequest* request,
                        v1::EvaluateResponse* response) override;

 private:
  ModelRegistry* const models_;
  TokenAuthenticator* const auth_;
};

}  // namespace fln

#endif  // FLN_SERVER_RPC_SERVICES_H_
