#include "dashboard/flnd_client.h"

#include <utility>

#include "absl/time/clock.h"
#include "client/connection.h"

namespace fln {
namespace dashboard {

absl::StatusOr<std::unique_ptr<FlndClient>> FlndClient::Create(Options options) {
  if (options.address.empty()) {
    return absl::InvalidArgumentError("--flnd must be HOST:PORT, got an empty address");
  }
  // The CLI's channel: keepalive (a Watch notices a dead flnd), no receive
  // limit, TLS with ca_cert, the token on every call.
  client::ClientSecurity security;
  security.token = options.token;
  security.ca_cert = options.ca_cert;
  auto channel = client::MakeChannel(options.address, security);
  return std::unique_ptr<FlndClient>(new FlndClient(std::move(options), std::move(channel)));
}

FlndClient::FlndClient(Options options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      jobs_(v1::Jobs::NewStub(channel_)),
      datasets_(v1::Datasets::NewStub(channel_)),
      models_(v1::Models::NewStub(channel_)) {}

std::unique_ptr<grpc::ClientContext> FlndClient::NewContext(bool unary) const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (unary) context->set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  return context;
}

absl::StatusOr<std::vector<v1::Job>> FlndClient::ListJobs(v1::JobState state) {
  v1::ListJobsRequest request;
  request.set_state(state);
  request.set_page_size(1000);
  std::vector<v1::Job> jobs;
  while (true) {
    v1::ListJobsResponse response;
    auto context = NewContext(/*unary=*/true);
    absl::Status status = client::FromGrpc(jobs_->List(context.get(), request, &response));
    if (!status.ok()) return status;
    for (v1::Job& job : *response.mutable_jobs()) jobs.push_back(std::move(job));
    // A token that does not move would loop forever.
    if (response.next_page_token().empty() ||
        response.next_page_token() == request.page_token()) {
      return jobs;
    }
    request.set_page_token(response.next_page_token());
  }
}

absl::StatusOr<v1::Job> FlndClient::GetJob(const std::string& id) {
  v1::GetJobRequest request;
  request.set_id(id);
  v1::Job job;
  auto context = NewContext(/*unary=*/true);
  absl::Status status = client::FromGrpc(jobs_->Get(context.get(), request, &job));
  if (!status.ok()) return status;
  return job;
}

absl::StatusOr<v1::Job> FlndClient::CancelJob(const std::string& id) {
  v1::CancelJobRequest request;
  request.set_id(id);
  v1::Job job;
  auto context = NewContext(/*unary=*/true);
  absl::Status status = client::FromGrpc(jobs_->Cancel(context.get(), request, &job));
  if (!status.ok()) return status;
  return job;
}

absl::StatusOr<std::vector<v1::Dataset>> FlndClient::ListDatasets() {
  v1::ListDatasetsResponse response;
  auto context = NewContext(/*unary=*/true);
  absl::Status status =
      client::FromGrpc(datasets_->List(context.get(), v1::ListDatasetsRequest(), &response));
  if (!status.ok()) return status;
  return std::vector<v1::Dataset>(response.datasets().begin(), response.datasets().end());
}

absl::StatusOr<v1::Model> FlndClient::GetModel(const std::string& id) {
  v1::GetModelRequest request;
  request.set_id(id);
  v1::Model model;
  auto context = NewContext(/*unary=*/true);
  absl::Status status = client::FromGrpc(models_->Get(context.get(), request, &model));
  if (!status.ok()) return status;
  return model;
}

absl::StatusOr<v1::EvaluateResponse> FlndClient::Evaluate(const std::string& model_id,
                                                          const std::string& dataset_id) {
  v1::EvaluateRequest request;
  request.set_model_id(model_id);
  request.set_dataset_id(dataset_id);
  v1::EvaluateResponse response;
  auto context = NewContext(/*unary=*/true);
  absl::Status status = client::FromGrpc(models_->Evaluate(context.get(), request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::PredictResponse> FlndClient::Predict(const v1::PredictRequest& request) {
  v1::PredictResponse response;
  auto context = NewContext(/*unary=*/true);
  absl::Status status = client::FromGrpc(models_->Predict(context.get(), request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::Status FlndClient::Watch(const std::string& job_id, int64_t from_sequence,
                               const std::function<bool(const v1::JobEvent&)>& on_event) {
  std::unique_ptr<grpc::ClientContext> context = NewContext(/*unary=*/false);
  {
    absl::MutexLock lock(&mutex_);
    if (shut_down_) return absl::CancelledError("the dashboard is shutting down");
    open_watches_.insert(context.get());
  }
  v1::WatchJobRequest request;
  request.set_job_id(job_id);
  request.set_from_sequence(from_sequence);
  std::unique_ptr<grpc::ClientReader<v1::JobEvent>> reader = jobs_->Watch(context.get(), request);
  v1::JobEvent event;
  bool stopped_by_caller = false;
  while (reader->Read(&event)) {
    if (!on_event(event)) {
      stopped_by_caller = true;
      context->TryCancel();
      break;
    }
  }
  // Finish after TryCancel drains the stream; its CANCELLED is ours, not an error.
  absl::Status status = client::FromGrpc(reader->Finish());
  {
    absl::MutexLock lock(&mutex_);
    open_watches_.erase(context.get());
    // Our own cancel: tell the browser to come back, as after a restart.
    if (shut_down_ && status.code() == absl::StatusCode::kCancelled) {
      status = absl::UnavailableError("the dashboard is shutting down; reconnect");
    }
  }
  return stopped_by_caller ? absl::OkStatus() : status;
}

void FlndClient::Shutdown() {
  absl::MutexLock lock(&mutex_);
  shut_down_ = true;
  for (grpc::ClientContext* context : open_watches_) context->TryCancel();
}

}  // namespace dashboard
}  // namespace fln
