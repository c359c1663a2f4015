#include "server/job_event_log.h"

#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/test_util.h"

namespace fln {
namespace {

class JobEventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = MetadataStore::Open(testing_util::FreshDir("log") + "/fln.db");
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    v1::Dataset dataset;
    dataset.set_id("ds");
    ASSERT_TRUE(store_->InsertDataset(dataset).ok());
    v1::Job job;
    job.set_id("job");
    job.set_train_dataset_id("ds");
    job.set_state(v1::QUEUED);
    ASSERT_TRUE(store_->InsertJob(job, v1::JobEvent()).ok());
    log_ = std::make_unique<JobEventLog>(store_.get(), 2);
    log_->NoteSequence("job", 1);
  }
  std::unique_ptr<MetadataStore> store_;
  std::unique_ptr<JobEventLog> log_;
};

TEST_F(JobEventLogTest, AnAppendWakesAWaiterForTheNextSequence) {
  JobEventLog::WaitResult result = JobEventLog::WaitResult::kTimeout;
  std::thread waiter([&] {
    result = log_->WaitForSequence("job", 2, absl::Now() + absl::Seconds(60));
  });
  v1::JobEvent event;
  event.mutable_metrics()->set_epoch(1);
  absl::StatusOr<v1::Job> job = log_->Append("job", nullptr, {event});
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->last_sequence(), 2);
  waiter.join();
  EXPECT_EQ(result, JobEventLog::WaitResult::kReady);
  EXPECT_EQ(store_->ReadEvents("job", 2, 10)->front().metrics().epoch(), 1);
}

TEST_F(JobEventLogTest, AWaitForAStoredSequenceReturnsAtOnce) {
  EXPECT_EQ(log_->WaitForSequence("job", 1, absl::Now() + absl::Seconds(60)),
            JobEventLog::WaitResult::kReady);
}

TEST_F(JobEventLogTest, AQuietWaitTimesOut) {
  EXPECT_EQ(log_->WaitForSequence("job", 2, absl::Now() + absl::Milliseconds(20)),
            JobEventLog::WaitResult::kTimeout);
}

TEST_F(JobEventLogTest, ShutdownWakesWaitersAndRefusesNewWatchers) {
  JobEventLog::WaitResult result = JobEventLog::WaitResult::kTimeout;
  std::thread waiter([&] {
    result = log_->WaitForSequence("job", 5, absl::Now() + absl::Seconds(60));
  });
  log_->Shutdown();
  waiter.join();
  EXPECT_EQ(result, JobEventLog::WaitResult::kShutdown);
  EXPECT_EQ(log_->AcquireWatcher().code(), absl::StatusCode::kUnavailable);
}

TEST_F(JobEventLogTest, WatcherSlotsAreBounded) {
  ASSERT_TRUE(log_->AcquireWatcher().ok());
  ASSERT_TRUE(log_->AcquireWatcher().ok());
  EXPECT_EQ(log_->AcquireWatcher().code(), absl::StatusCode::kResourceExhausted);
  log_->ReleaseWatcher();
  EXPECT_TRUE(log_->AcquireWatcher().ok());
}

}  // namespace
}  // namespace fln
