#include "server/rpc_services.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/exception_guard.h"
#include "server/status_conversion.h"

namespace fln {
namespace {

constexpr int kWatchBatch = 256;
constexpr absl::Duration kCancelCheck = absl::Milliseconds(200);

grpc::Status Unavailable(const char* what) {
  return ToGrpcStatus(absl::UnavailableError(
      absl::StrCat("server shutting down; ", what, " again once it has restarted")));
}

// Copies an OK StatusOr's value into *out; converts the status either way.
template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* out) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *out = *std::move(result);
  return grpc::Status::OK;
}

bool IsTerminalEvent(const v1::JobEvent& event) {
  if (!event.has_state()) return false;
  const v1::JobState s = event.state().state();
  return s == v1::SUCCEEDED || s == v1::FAILED || s == v1::CANCELLED;
}

bool IsTerminal(v1::JobState s) {
  return s == v1::SUCCEEDED || s == v1::FAILED || s == v1::CANCELLED;
}

// The caller's token name ("" on a server without tokens), or
// UNAUTHENTICATED.
absl::StatusOr<std::string> Caller(TokenAuthenticator* auth, const grpc::ServerContext& context) {
  if (auth == nullptr) return std::string();
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find("authorization");
  return auth->Authenticate(it == metadata.end()
                                ? absl::string_view()
                                : absl::string_view(it->second.data(), it->second.size()));
}

}  // namespace

// The first statement of every handler: declares `caller` (the token name)
// or answers UNAUTHENTICATED.
#define FLN_AUTHENTICATE(caller, auth, context)                                  \
  const absl::StatusOr<std::string> caller = Caller(auth, *(context));          \
  if (!caller.ok()) return ToGrpcStatus(caller.status())

// ---------------------------------------------------------------- Datasets

grpc::Status DatasetsServiceImpl::Upload(grpc::ServerContext* context,
                                         grpc::ServerReader<v1::UploadDatasetRequest>* reader,
                                         v1::Dataset* response) {
  return GrpcStatusFromExceptions("Datasets.Upload", [&]() -> grpc::Status {
    FLN_AUTHENTICATE(caller, auth_, context);
    if (draining_->load()) return Unavailable("upload");
    v1::UploadDatasetRequest message;
    if (!reader->Read(&message)) {
      return ToGrpcStatus(absl::InvalidArgumentError(
          "empty upload: the stream carried no messages (the first must be a header)"));
    }
    if (!message.has_header()) {
      return ToGrpcStatus(absl::InvalidArgumentError(
          "the first message of an upload must be a header (name, format)"));
    }
    absl::StatusOr<std::unique_ptr<DatasetStore::Upload>> upload =
        datasets_->BeginUpload(message.header(), *caller);
    if (!upload.ok()) return ToGrpcStatus(upload.status());
    int64_t index = 1;
    while (reader->Read(&message)) {
      if (!message.has_chunk()) {
        return ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
            "message ", index, " of the upload is not a chunk; only the first may be a header")));
      }
      absl::Status added = (*upload)->AddChunk(message.chunk().part(), message.chunk().data());
      if (!added.ok()) return ToGrpcStatus(added);
      ++index;
    }
    if (context->IsCancelled()) {
      return ToGrpcStatus(absl::CancelledError("upload cancelled by the client"));
    }
    return Reply((*upload)->Commit(), response);
  });
}

grpc::Status DatasetsServiceImpl::Import(grpc::ServerContext* context,
                                         const v1::ImportDatasetRequest* request,
                                         v1::ImportDatasetResponse* response) {
  return GrpcStatusFromExceptions("Datasets.Import", [&]() -> grpc::Status {
    FLN_AUTHENTICATE(caller, auth_, context);
    if (draining_->load()) return Unavailable("import");
    if (request->builtin().empty()) {
      return ToGrpcStatus(
          absl::InvalidArgumentError("builtin is required (available: fashion-mnist)"));
    }
    return Reply(datasets_->ImportBuiltin(request->builtin()), response);
  });
}

grpc::Status DatasetsServiceImpl::List(grpc::ServerContext* context, const v1::ListDatasetsRequest*,
                                       v1::ListDatasetsResponse* response) {
  return GrpcStatusFromExceptions("Datasets.List", [&]() -> grpc::Status {
    FLN_AUTHENTICATE(caller, auth_, context);
    absl::StatusOr<std::vector<v1::Dataset>> datasets = datasets_->List();
    if (!datasets.ok()) return ToGrpcStatus(datasets.status());
    for (v1::Dataset& d : *datasets) *response->add_datasets() = std::move(d);
    return grpc::Status::OK;
  });
}

grpc::Status DatasetsServiceImpl::Get(grpc::ServerContext* context,
                                      const v1::GetDatasetRequest* request,
                                      v1::Dataset* response) {
  return GrpcStatusFromExceptions("Datasets.Get", [&]() -> grpc::Status {
    FLN_AUTHENTICATE(caller, auth_, context);
    if (request->id().empty()) return ToGrpcStatus(absl::InvalidArgumentError("id is required"));
    return Reply(datasets_->Get(request->id()), response);
  });
}

grpc::Status DatasetsServiceImpl::Delete(grpc::ServerContext* context,
                                         const v1::DeleteDatasetRequest* request,
                                         v1::DeleteDatasetResponse*) {
  return GrpcStatusFromExceptions("Datasets.Delete", [&]() -> grpc::Status {
    FLN_AUTHENTICATE(caller, auth_, context);
    if (request->id().empty()) return ToGrpcStatus(absl::InvalidArgumentError("id is required"));
    return ToGrpcStatus(datasets_->Delete(request->id()));
  });
}

// -------------------------------------------------------------------- Jobs

grpc::Status JobsServiceImpl::Submit(grpc::ServerContext* context,
                                     const v1::SubmitJobRequest* request,
                                     v1::Job* response) {
  return GrpcStatusFromExceptions("Jobs.Submit", [&]() -> grpc::Status {
    FLN_AUTHENTICATE(caller, auth_, context);
    if (draining_->load()) return Unavailable("submit");
    return Reply(jobs_->Submit(*request, *caller), response);
  });
}

grpc::Status JobsServiceImpl::Get(grpc::ServerContext* context, const v1::GetJobRequest* request,
                                  v1::Job* response) {
  return GrpcStatusFromExceptions("Jobs.Get", [&]() -> grpc::Status {
    FLN_AUTHENTICATE(caller, auth_, context);
    return Reply(jobs_->Get(request->id()), response);
  });
}

grpc::Status JobsServiceImpl::List(grpc::ServerContext* context, const v1::ListJobsRequest* request,
                                   v1::ListJobsResponse* response) {
  return GrpcStatusFromExceptions("Jobs.List", [&]() -> grpc::Status {
    FLN_AUTHENTICATE(caller, auth_, context);
    return Reply(jobs_->List(*request), response);
  });
}

grpc::Status JobsServiceImpl::Cancel(grpc::ServerContext* context,
                                     const v1::CancelJobRequest* request,
                                     v1::Job* response) {
  return GrpcStatusFromExceptions("Jobs.Cancel", [&]() -> grpc::Status {
    FLN_AUTHENTICATE(caller, auth_, context);
    return Reply(jobs_->Cancel(request->id()), response);
  });
}

grpc::Status JobsServiceImpl::Watch(grpc::ServerContext* context,
                                    const v1::WatchJobRequest* request,
                                    grpc::ServerWriter<v1::JobEvent>* writer) {
  return GrpcStatusFromExceptions("Jobs.Watch", [&]() -> grpc::Status {
    FLN_AUTHENTICATE(caller, auth_, context);
    const std::string& id = request->job_id();
    if (id.empty()) return ToGrpcStatus(absl::InvalidArgumentError("job_id is required"));
    if (request->from_sequence() < 0) {
      return ToGrpcStatus(absl::InvalidArgumentError(
          absl::StrCat("from_sequence must be >= 0, got ", request->from_sequence())));
    }
    absl::Status slot = events_->AcquireWatcher();
    if (!slot.ok()) return ToGrpcStatus(slot);
    struct Release {
      JobEventLog* log;
      ~Release() { log->ReleaseWatcher(); }
    } release{events_};

    absl::StatusOr<v1::Job> job = store_->GetJob(id);
    if (!job.ok()) return ToGrpcStatus(job.status());
    int64_t next = std::max<int64_t>(1, request->from_sequence());
    absl::Time last_write = absl::Now();
    if (IsTerminal(job->state()) && next > job->last_sequence()) {
      return ToGrpcStatus(absl::OutOfRangeError(
          absl::StrCat("job ", id, " ended (", v1::JobState_Name(job->state()), ") with event ",
                       job->last_sequence(), "; from_sequence ", next, " is past its last event")));
    }
    while (true) {
      if (context->IsCancelled()) {
        return ToGrpcStatus(absl::CancelledError("watch cancelled by the client"));
      }
      if (events_->shutting_down()) {
        return ToGrpcStatus(absl::UnavailableError(
            absl::StrCat("server shutting down; reconnect with from_sequence=", next,
                         " to continue without gaps")));
      }
      absl::StatusOr<std::vector<v1::JobEvent>> batch = store_->ReadEvents(id, next, kWatchBatch);
      if (!batch.ok()) return ToGrpcStatus(batch.status());
      for (const v1::JobEvent& event : *batch) {
        if (!writer->Write(event)) {
          return ToGrpcStatus(absl::CancelledError("watcher went away"));
        }
        next = event.sequence() + 1;
        last_write = absl::Now();
        // A job's end is always its last event.
        if (IsTerminalEvent(event)) return grpc::Status::OK;
      }
      if (static_cast<int>(batch->size()) == kWatchBatch) continue;  // more to replay
      if (batch->empty()) {
        // A job that ended before reaching from_sequence never will.
        absl::StatusOr<v1::Job> now = store_->GetJob(id);
        if (!now.ok()) return ToGrpcStatus(now.status());
        if (IsTerminal(now->state()) && next > now->last_sequence()) {
          return ToGrpcStatus(absl::OutOfRangeError(absl::StrCat(
              "job ", id, " ended (", v1::JobState_Name(now->state()), ") with event ",
              now->last_sequence(), "; from_sequence ", next, " is past its last event")));
        }
      }
      // Wake at least every kCancelCheck to notice a client that left, so
      // its watcher slot frees promptly; a heartbeat goes out once per
      // `heartbeat_` without events.
      const absl::Time heartbeat_due = last_write + heartbeat_;
      JobEventLog::WaitResult waited;
      do {
        waited =
            events_->WaitForSequence(id, next, std::min(heartbeat_due, absl::Now() + kCancelCheck));
      } while (waited == JobEventLog::WaitResult::kTimeout && absl::Now() < heartbeat_due &&
               !context->IsCancelled() && !events_->shutting_down());
      if (waited == JobEventLog::WaitResult::kTimeout && absl::Now() >= heartbeat_due) {
        last_write = absl::Now();
        v1::JobEvent heartbeat;
        heartbeat.set_sequence(next - 1);
        heartbeat.set_job_id(id);
        heartbeat.set_time_micros(absl::ToUnixMicros(absl::Now()));
        heartbeat.mutable_heartbeat();
        if (!writer->Write(heartbeat)) {
          return ToGrpcStatus(absl::CancelledError("watcher went away"));
        }
      }
    }
  });
}

// ------------------------------------------------------------------ Models

grpc::Status ModelsServiceImpl::List(grpc::ServerContext* context, const v1::ListModelsRequest*,
                                     v1::ListModelsResponse* response) {
  return GrpcStatusFromExceptions("Models.List", [&]() -> grpc::Status {
    FLN_AUTHENTICATE(caller, auth_, context);
    return Reply(models_->List(), response);
  });
}

grpc::Status ModelsServiceImpl::Get(grpc::ServerContext* context,
                                    const v1::GetModelRequest* request,
                                    v1::Model* response) {
  return GrpcStatusFromExceptions("Models.Get", [&]() -> grpc::Status {
    FLN_AUTHENTICATE(caller, auth_, context);
    return Reply(models_->Get(*request), response);
  });
}

grpc::Status ModelsServiceImpl::Predict(grpc::ServerContext* context,
                                        const v1::PredictRequest* request,
                                        v1::PredictResponse* response) {
  return GrpcStatusFromExceptions("Models.Predict", [&]() -> grpc::Status {
    FLN_AUTHENTICATE(caller, auth_, context);
    return Reply(models_->Predict(*request), response);
  });
}

grpc::Status ModelsServiceImpl::Evaluate(grpc::ServerContext* context,
                                         const v1::EvaluateRequest* request,
                                         v1::EvaluateResponse* response) {
  return GrpcStatusFromExceptions("Models.Evaluate", [&]() -> grpc::Status {
    FLN_AUTHENTICATE(caller, auth_, context);
    return Reply(models_->Evaluate(*request), response);
  });
}

}  // namespace fln
