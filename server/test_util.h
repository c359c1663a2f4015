// File: test_util.h
//
// Shared helpers for server tests (testonly): synthetic datasets as CSV and
// IDX bytes, model and schedule shorthands, and client-side helpers that
// upload datasets and watch jobs through the real gRPC stubs.
#ifndef FLN_SERVER_TEST_UTIL_H_
#define FLN_SERVER_TEST_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/dataset.h"
#include "proto/service.grpc.pb.h"
#include "server/fln_server.h"

namespace fln {
namespace testing_util {

// Teacher-labelled data with features quantised to integers in [0, 255], so
// the same samples can be written exactly as CSV or as IDX images.
struct PixelData {
  Dataset train;
  Dataset test;
};
PixelData MakePixelData(int features, int classes, int train_samples, int test_samples,
                        uint64_t seed);

std::string ToCsv(const Dataset& data);
// IDX images as `rows` x `cols` images (rows * cols == features), uint8.
std::string ToIdxImages(const Dataset& data, int rows, int cols);
std::string ToIdxLabels(const Dataset& data);

v1::ModelSpec Mlp(int input, int hidden, int classes);
// FLN with cheap solver settings; `seed` fixed so runs are reproducible.
v1::Schedule FlnSchedule(int epochs, int batch_size, uint64_t seed = 7);

// An FlnServer::Options::after_checkpoint that holds a job after it has
// checkpointed `epoch` until it is cancelled or the server shuts down (at
// most 10 minutes), so a test can interrupt it at a known point. With a
// non-empty `release_file`, the hold also ends once that file does not exist,
// so a test in another process can let the job go on.
std::function<void(const std::string& job_id, int epoch, const std::atomic<bool>& stop)>
PauseAfterEpoch(int epoch, const std::string& release_file = "");

// A fresh, empty directory under $TEST_TMPDIR.
std::string FreshDir(const std::string& name);

// Uploads `parts` (in order, split into `chunk_bytes` chunks) after `header`.
absl::StatusOr<v1::Dataset> Upload(v1::Datasets::Stub* stub, const v1::UploadHeader& header,
                                   const std::vector<std::pair<v1::DatasetPart, std::string>>& parts,
                                   size_t chunk_bytes = 64 << 10);
absl::StatusOr<v1::Dataset> UploadCsv(v1::Datasets::Stub* stub, const std::string& name,
                                      const std::string& csv);

struct WatchResult {
  std::vector<v1::JobEvent> events;  // heartbeats excluded
  int heartbeats = 0;
  grpc::Status status;
};
// Watches from `from_sequence` until the stream ends, `stop` returns true
// for an event (then the call is cancelled and status is CANCELLED), or
// `timeout` passes (status DEADLINE_EXCEEDED).
WatchResult Watch(v1::Jobs::Stub* stub, const std::string& job_id, int64_t from_sequence,
                  absl::Duration timeout,
                  const std::function<bool(const v1::JobEvent&)>& stop = nullptr);

// Submits and returns the job, failing the test's expectations via status.
absl::StatusOr<v1::Job> Submit(v1::Jobs::Stub* stub, const v1::SubmitJobRequest& request);

// A server on 127.0.0.1:0 with a channel and stubs.
class TestServer {
 public:
  static absl::StatusOr<std::unique_ptr<TestServer>> Start(FlnServer::Options options);
  FlnServer* server() { return server_.get(); }
  v1::Datasets::Stub* datasets() { return datasets_.get(); }
  v1::Jobs::Stub* jobs() { return jobs_.get(); }
  v1::Models::Stub* models() { return models_.get(); }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  // Graceful shutdown and destruction of the server (stubs stay, failing).
  void Stop() { server_.reset(); }

 private:
  std::unique_ptr<FlnServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Datasets::Stub> datasets_;
  std::unique_ptr<v1::Jobs::Stub> jobs_;
  std::unique_ptr<v1::Models::Stub> models_;
};

// Stubs on a channel to `address`.
std::shared_ptr<grpc::Channel> Connect(const std::string& address);

}  // namespace testing_util
}  // namespace fln

#endif  // FLN_SERVER_TEST_UTIL_H_
