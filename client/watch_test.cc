#include "client/watch.h"

#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace fln {
namespace client {
namespace {

// A Jobs service whose job "j1" has four stored events (QUEUED->RUNNING,
// two epochs, SUCCEEDED) and which can break its first stream.
class FakeJobs final : public v1::Jobs::Service {
 public:
  FakeJobs() {
    AddState(1, v1::RUNNING);
    AddMetrics(2, 1);
    AddMetrics(3, 2);
    AddState(4, v1::SUCCEEDED);
  }

  grpc::Status Watch(grpc::ServerContext*, const v1::WatchJobRequest* request,
                     grpc::ServerWriter<v1::JobEvent>* writer) override {
    int call;
    {
      absl::MutexLock lock(&mu_);
      call = static_cast<int>(requested_from_.size());
      requested_from_.push_back(request->from_sequence());
    }
    if (always_unavailable_) return grpc::Status(grpc::UNAVAILABLE, "server shutting down");
    if (request->job_id() != "j1") return grpc::Status(grpc::NOT_FOUND, "job nope not found");
    if (request->from_sequence() > static_cast<int64_t>(events_.size())) {
      return grpc::Status(grpc::OUT_OF_RANGE, "past the end");
    }
    for (const v1::JobEvent& event : events_) {
      if (event.sequence() < request->from_sequence()) continue;
      if (send_heartbeats_) {
        v1::JobEvent heartbeat;
        heartbeat.set_sequence(event.sequence() - 1);
        heartbeat.mutable_heartbeat();
        writer->Write(heartbeat);
      }
      writer->Write(event);
      if (call == 0 && event.sequence() == break_after_) {
        return grpc::Status(break_code_, "server shutting down");
      }
    }
    return grpc::Status::OK;
  }

  std::vector<int64_t> requested_from() {
    absl::MutexLock lock(&mu_);
    return requested_from_;
  }

  int64_t break_after_ = -1;  // first call: fail after sending this sequence
  grpc::StatusCode break_code_ = grpc::UNAVAILABLE;
  bool always_unavailable_ = false;
  bool send_heartbeats_ = false;

 private:
  void AddState(int64_t sequence, v1::JobState state) {
    v1::JobEvent event;
    event.set_sequence(sequence);
    event.set_job_id("j1");
    event.mutable_state()->set_state(state);
    events_.push_back(event);
  }
  void AddMetrics(int64_t sequence, int epoch) {
    v1::JobEvent event;
    event.set_sequence(sequence);
    event.set_job_id("j1");
    event.mutable_metrics()->set_epoch(epoch);
    event.mutable_metrics()->set_end_of_epoch(true);
    events_.push_back(event);
  }

  std::vector<v1::JobEvent> events_;
  absl::Mutex mu_;
  std::vector<int64_t> requested_from_ ABSL_GUARDED_BY(mu_);
};

class WatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    stub_ = v1::Jobs::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
    // A fake clock: sleeping advances it, so retry limits run instantly.
    options_.now = [this] { return now_; };
    options_.sleep = [this](absl::Duration d) { now_ += d; };
  }
  void TearDown() override { server_->Shutdown(); }

  absl::StatusOr<WatchOutcome> Watch(const std::string& job_id = "j1") {
    return WatchJob(stub_.get(), job_id, options_,
                    [this](const v1::JobEvent& e) { seen_.push_back(e.sequence()); });
  }

  FakeJobs service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Jobs::Stub> stub_;
  WatchOptions options_;
  absl::Time now_ = absl::UnixEpoch();
  std::vector<int64_t> seen_;
};

TEST_F(WatchTest, DeliversEveryEventOnceAndReportsTheEnd) {
  absl::StatusOr<WatchOutcome> outcome = Watch();
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(seen_, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_TRUE(outcome->saw_end);
  EXPECT_EQ(outcome->end.state(), v1::SUCCEEDED);
  EXPECT_EQ(outcome->last_sequence, 4);
  EXPECT_EQ(outcome->reconnects, 0);
}

TEST_F(WatchTest, ReconnectsAfterUnavailableFromTheNextSequence) {
  service_.break_after_ = 2;
  absl::StatusOr<WatchOutcome> outcome = Watch();
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(seen_, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(service_.requested_from(), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(outcome->reconnects, 1);
}

// gRPC cancels calls that reach a server in its shutdown grace period.
TEST_F(WatchTest, ReconnectsAfterServerSideCancellation) {
  service_.break_after_ = 3;
  service_.break_code_ = grpc::CANCELLED;
  ASSERT_TRUE(Watch().ok());
  EXPECT_EQ(seen_, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(service_.requested_from(), (std::vector<int64_t>{0, 4}));
}

TEST_F(WatchTest, HeartbeatsAreNotDelivered) {
  service_.send_heartbeats_ = true;
  ASSERT_TRUE(Watch().ok());
  EXPECT_EQ(seen_, (std::vector<int64_t>{1, 2, 3, 4}));
}

TEST_F(WatchTest, StartsFromTheRequestedSequence) {
  options_.from_sequence = 3;
  ASSERT_TRUE(Watch().ok());
  EXPECT_EQ(seen_, (std::vector<int64_t>{3, 4}));
}

TEST_F(WatchTest, GivesUpAfterMaxReconnectTime) {
  service_.always_unavailable_ = true;
  absl::StatusOr<WatchOutcome> outcome = Watch();
  ASSERT_EQ(outcome.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(outcome.status().message().find("gave up reconnecting"), std::string::npos);
  EXPECT_GE(now_ - absl::UnixEpoch(), options_.max_reconnect_time);
  EXPECT_LT(now_ - absl::UnixEpoch(), options_.max_reconnect_time + options_.max_backoff);
}

TEST_F(WatchTest, NotFoundIsNotRetried) {
  EXPECT_EQ(Watch("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(service_.requested_from().size(), 1u);
}

// The stream broke right after the last event, before the server closed it:
// the reconnect asks past the end, which means nothing was missed.
TEST_F(WatchTest, OutOfRangeAfterReconnectCountsAsTheEnd) {
  service_.break_after_ = 4;
  absl::StatusOr<WatchOutcome> outcome = Watch();
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(seen_, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_TRUE(outcome->saw_end);
}

TEST_F(WatchTest, OutOfRangeOnFirstCallIsAnError) {
  options_.from_sequence = 9;
  EXPECT_EQ(Watch().status().code(), absl::StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace client
}  // namespace fln
