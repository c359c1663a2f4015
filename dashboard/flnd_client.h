// File: flnd_client.h
//
// The dashboard's gRPC side: one channel to flnd, unary calls that return
// absl::StatusOr, and a cancellable Watch stream. The dashboard is a thin
// client like the `fln` CLI (client/connection.h), with one addition the CLI
// does not need: every open Watch is registered so Shutdown() can cancel it,
// and an HTTP client that goes away cancels its own stream.
//
//   FlndClient::Options options;
//   options.address = "127.0.0.1:50051";
//   absl::StatusOr<std::unique_ptr<FlndClient>> flnd = FlndClient::Create(options);
//   absl::StatusOr<v1::Job> job = (*flnd)->GetJob("j-1");
//   absl::Status s = (*flnd)->Watch("j-1", 1, [](const v1::JobEvent& e) {
//     return Send(e);  // false stops the stream
//   });
#ifndef FLN_DASHBOARD_FLND_CLIENT_H_
#define FLN_DASHBOARD_FLND_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/service.grpc.pb.h"

namespace fln {
namespace dashboard {

class FlndClient {
 public:
  struct Options {
    std::string address;  // flnd's HOST:PORT
    // Sent as "authorization: Bearer TOKEN" on every call; empty: none.
    std::string token;
    // PEM of the CA that signed flnd's certificate; empty: plaintext.
    std::string ca_cert;
    // Deadline of every unary call (Evaluate on a large dataset is the slowest).
    absl::Duration timeout = absl::Seconds(60);
  };

  // INVALID_ARGUMENT if options.address is empty. Does not connect: the
  // channel connects on the first call, so the dashboard may start first.
  static absl::StatusOr<std::unique_ptr<FlndClient>> Create(Options options);

  // Every job in `state` (JOB_STATE_UNSPECIFIED: all), newest first,
  // following page tokens.
  absl::StatusOr<std::vector<v1::Job>> ListJobs(v1::JobState state);
  absl::StatusOr<v1::Job> GetJob(const std::string& id);
  // FAILED_PRECONDITION if the job already ended.
  absl::StatusOr<v1::Job> CancelJob(const std::string& id);
  absl::StatusOr<std::vector<v1::Dataset>> ListDatasets();
  // Without weights.
  absl::StatusOr<v1::Model> GetModel(const std::string& id);
  absl::StatusOr<v1::EvaluateResponse> Evaluate(const std::string& model_id,
                                                const std::string& dataset_id);
  absl::StatusOr<v1::PredictResponse> Predict(const v1::PredictRequest& request);

  // Streams the job's events with sequence >= from_sequence (heartbeats
  // included, so a caller can notice its own reader has gone) to `on_event`
  // until the job ends (OK), `on_event` returns false (OK), Shutdown() is
  // called (UNAVAILABLE) or flnd fails the stream (its status: NOT_FOUND,
  // OUT_OF_RANGE, UNAVAILABLE...). No reconnect here: the browser's
  // EventSource reconnects with Last-Event-ID and the stream resumes there.
  absl::Status Watch(const std::string& job_id, int64_t from_sequence,
                     const std::function<bool(const v1::JobEvent&)>& on_event);

  // Cancels every open Watch (they return UNAVAILABLE) and makes new ones
  // fail with CANCELLED.
  void Shutdown();

 private:
  FlndClient(Options options, std::shared_ptr<grpc::Channel> channel);
  // A context carrying the token, with the unary deadline when `unary`.
  std::unique_ptr<grpc::ClientContext> NewContext(bool unary) const;

  const Options options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Jobs::Stub> jobs_;
  std::unique_ptr<v1::Datasets::Stub> datasets_;
  std::unique_ptr<v1::Models::Stub> models_;

  absl::Mutex mutex_;
  bool shut_down_ ABSL_GUARDED_BY(mutex_) = false;
  std::set<grpc::ClientContext*> open_watches_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace dashboard
}  // namespace fln

#endif  // FLN_DASHBOARD_FLND_CLIENT_H_
