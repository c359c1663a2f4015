// A server stopped at any write of a job's life (submit, metric records,
// checkpoints, state changes; SQLite's writes included), then a power loss
// and a restart: every job ends in a clear state and its history has no gap
// and no duplicate.
//
// For each write operation k of a clean run, writes from k on fail with EIO
// (the machine stops there; SQLite sees an I/O error), the server is shut
// down, unsynced file data is dropped (FaultInjectionEnv; SQLite's own
// unsynced writes are not undone, its WAL checksums guard those) and a new
// server starts on the same directory.
#include <cerrno>
#include <iostream>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/fault_injection_env.h"
#include "server/test_util.h"

namespace fln {
namespace {

constexpr int kFeatures = 12;
constexpr int kClasses = 3;
constexpr int kEpochs = 2;

class JobDurabilityTest : public ::testing::Test {
 protected:
  void Start(const std::string& dir) {
    FlnServer::Options options;
    options.listen = "127.0.0.1:0";
    options.data_dir = dir;
    options.builtin_dir = dir + "/no_builtin";
    options.heartbeat = absl::Milliseconds(100);
    options.threads_per_job = 1;
    options.env = &env_;
    absl::StatusOr<std::unique_ptr<testing_util::TestServer>> server =
        testing_util::TestServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
  }

  v1::SubmitJobRequest Request(const std::string& train_id) {
    v1::SubmitJobRequest request;
    request.set_train_dataset_id(train_id);
    request.set_request_id("the-one-submit");
    *request.mutable_model() = testing_util::Mlp(kFeatures, 6, kClasses);
    *request.mutable_schedule() = testing_util::FlnSchedule(kEpochs, 100);
    return request;
  }

  // Waits until no write has happened for 300 ms (the job gave up or ended).
  void WaitForQuiet() {
    int64_t last = env_.write_operations();
    absl::Time quiet_since = absl::Now();
    const absl::Time give_up = absl::Now() + absl::Seconds(20);
    while (absl::Now() - quiet_since < absl::Milliseconds(300) && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(20));
      const int64_t now = env_.write_operations();
      if (now != last) {
        last = now;
        quiet_since = absl::Now();
      }
    }
  }

  // The invariants after a restart, for every job the server knows.
  void CheckHistories(int64_t k, bool submit_acknowledged) {
    grpc::ClientContext context;
    v1::ListJobsResponse jobs;
    ASSERT_TRUE(server_->jobs()->List(&context, v1::ListJobsRequest(), &jobs).ok());
    ASSERT_LE(jobs.jobs_size(), 1) << "k=" << k << ": one submit, one job";
    if (submit_acknowledged) {
      ASSERT_EQ(jobs.jobs_size(), 1) << "k=" << k << ": an acknowledged submit is never lost";
    }
    for (const v1::Job& job : jobs.jobs()) {
      const testing_util::WatchResult history =
          testing_util::Watch(server_->jobs(), job.id(), 0, absl::Seconds(60));
      ASSERT_TRUE(history.status.ok()) << "k=" << k << ": " << history.status.error_message();
      ASSERT_FALSE(history.events.empty());
      std::set<int> metric_epochs;
      for (size_t i = 0; i < history.events.size(); ++i) {
        const v1::JobEvent& event = history.events[i];
        EXPECT_EQ(event.sequence(), static_cast<int64_t>(i) + 1) << "k=" << k << ": a gap";
        if (event.has_metrics() && event.metrics().end_of_epoch()) {
          EXPECT_TRUE(metric_epochs.insert(event.metrics().epoch()).second)
              << "k=" << k << ": epoch " << event.metrics().epoch() << " recorded twice";
        }
      }
      const v1::StateChange& end = history.events.back().state();
      ASSERT_EQ(end.state(), v1::SUCCEEDED)
          << "k=" << k << ": the job resumes and finishes: " << end.message();
      EXPECT_EQ(metric_epochs.size(), static_cast<size_t>(kEpochs)) << "k=" << k;
      grpc::ClientContext model_context;
      v1::GetModelRequest get;
      get.set_id(job.id());
      get.set_include_weights(true);
      v1::Model model;
      EXPECT_TRUE(server_->models()->Get(&model_context, get, &model).ok())
          << "k=" << k << ": the final checkpoint loads";
    }
  }

  FaultInjectionEnv env_;
  std::unique_ptr<testing_util::TestServer> server_;
};

TEST_F(JobDurabilityTest, AServerStoppedAtAnyWriteOfAJobRestartsWithACleanHistory) {
  const testing_util::PixelData data = testing_util::MakePixelData(kFeatures, kClasses, 200, 50, 3);
  const std::string csv = testing_util::ToCsv(data.train);

  // A clean run counts the job's write operations.
  Start(testing_util::FreshDir("clean"));
  absl::StatusOr<v1::Dataset> train = testing_util::UploadCsv(server_->datasets(), "t", csv);
  ASSERT_TRUE(train.ok()) << train.status();
  const int64_t start = env_.write_operations();
  absl::StatusOr<v1::Job> job = testing_util::Submit(server_->jobs(), Request(train->id()));
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_TRUE(testing_util::Watch(server_->jobs(), job->id(), 0, absl::Seconds(60)).status.ok());
  WaitForQuiet();
  const int64_t operations = env_.write_operations() - start;
  server_.reset();
  ASSERT_GE(operations, 10) << "submit, metrics, checkpoints and states all write";
  std::cout << "stopping at each of " << operations << " write operations" << std::endl;

  for (int64_t k = 1; k <= operations; ++k) {
    const std::string dir = testing_util::FreshDir(absl::StrCat("stop_at_", k));
    Start(dir);
    train = testing_util::UploadCsv(server_->datasets(), "t", csv);
    ASSERT_TRUE(train.ok()) << train.status();
    env_.FailWritesFrom(k, EIO);
    const bool acknowledged = testing_util::Submit(server_->jobs(), Request(train->id())).ok();
    WaitForQuiet();
    server_.reset();                            // the machine stops ...
    ASSERT_TRUE(env_.DropUnsyncedData().ok());  // ... and loses power
    env_.ClearFaults();
    Start(dir);
    CheckHistories(k, acknowledged);
    server_.reset();
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace fln
