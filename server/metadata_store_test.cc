#include "server/metadata_store.h"

#include <cstdlib>
#include <random>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace fln {
namespace {

class MetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/meta-", std::random_device()(), ".db");
    Reopen();
    v1::Dataset dataset;
    dataset.set_id("ds-1");
    dataset.set_source("upload");
    ASSERT_TRUE(store_->InsertDataset(dataset).ok());
  }
  void Reopen() {
    store_.reset();
    absl::StatusOr<std::unique_ptr<MetadataStore>> store = MetadataStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(store).value();
  }
  v1::Job NewJob(const std::string& id, const std::string& request_id = "") {
    v1::Job job;
    job.set_id(id);
    job.set_state(v1::QUEUED);
    job.set_train_dataset_id("ds-1");
    job.set_request_id(request_id);
    return job;
  }
  v1::JobEvent Queued() {
    v1::JobEvent event;
    event.mutable_state()->set_state(v1::QUEUED);
    return event;
  }
  std::string path_;
  std::unique_ptr<MetadataStore> store_;
};

TEST_F(MetadataStoreTest, InsertJobStoresItsFirstEvent) {
  auto inserted = store_->InsertJob(NewJob("job-a"), Queued());
  ASSERT_TRUE(inserted.ok()) << inserted.status();
  EXPECT_TRUE(inserted->created);
  EXPECT_EQ(inserted->job.last_sequence(), 1);
  auto events = store_->ReadEvents("job-a", 0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].sequence(), 1);
  EXPECT_EQ((*events)[0].job_id(), "job-a");
  EXPECT_GT((*events)[0].time_micros(), 0);
}

TEST_F(MetadataStoreTest, ARepeatedRequestIdReturnsTheFirstJob) {
  ASSERT_TRUE(store_->InsertJob(NewJob("job-a", "key"), Queued()).ok());
  auto again = store_->InsertJob(NewJob("job-b", "key"), Queued());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->job.id(), "job-a");
  EXPECT_TRUE(absl::IsNotFound(store_->GetJob("job-b").status()));
}

TEST_F(MetadataStoreTest, AJobNeedsExistingDatasets) {
  v1::Job job = NewJob("job-a");
  job.set_test_dataset_id("ds-missing");
  const absl::Status status = store_->InsertJob(job, Queued()).status();
  EXPECT_TRUE(absl::IsNotFound(status));
  EXPECT_NE(status.message().find("test_dataset_id"), absl::string_view::npos);
}

TEST_F(MetadataStoreTest, UpdateJobAppendsConsecutiveEventsAtomically) {
  ASSERT_TRUE(store_->InsertJob(NewJob("job-a"), Queued()).ok());
  std::vector<v1::JobEvent> events(2);
  events[0].mutable_state()->set_state(v1::RUNNING);
  events[1].mutable_metrics()->set_epoch(1);
  auto updated = store_->UpdateJob(
      "job-a",
      [](v1::Job* j) {
        j->set_state(v1::RUNNING);
        return absl::OkStatus();
      },
      &events);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->last_sequence(), 3);
  EXPECT_EQ(events[1].sequence(), 3);

  // A failing mutation changes nothing.
  std::vector<v1::JobEvent> more(1);
  more[0].mutable_state()->set_state(v1::FAILED);
  EXPECT_FALSE(store_->UpdateJob("job-a", [](v1::Job*) { return absl::AbortedError("no"); }, &more)
                   .ok());
  EXPECT_EQ(store_->GetJob("job-a")->last_sequence(), 3);
  EXPECT_EQ(store_->ReadEvents("job-a", 1, 100)->size(), 3u);
  EXPECT_EQ(store_->ReadEvents("job-a", 3, 100)->size(), 1u);
}

TEST_F(MetadataStoreTest, EverythingSurvivesReopening) {
  ASSERT_TRUE(store_->InsertJob(NewJob("job-a"), Queued()).ok());
  Reopen();
  EXPECT_TRUE(store_->GetJob("job-a").ok());
  EXPECT_TRUE(store_->GetDataset("ds-1").ok());
  EXPECT_EQ(store_->ReadEvents("job-a", 1, 10)->size(), 1u);
  EXPECT_EQ(store_->ListJobsInStates({v1::QUEUED})->size(), 1u);
}

TEST_F(MetadataStoreTest, ListJobsPagesNewestFirstAndFilters) {
  for (const char* id : {"job-1", "job-2", "job-3"}) {
    ASSERT_TRUE(store_->InsertJob(NewJob(id), Queued()).ok());
  }
  ASSERT_TRUE(store_->UpdateJob("job-2", [](v1::Job* j) {
                       j->set_state(v1::RUNNING);
                       return absl::OkStatus();
                     }, nullptr).ok());
  auto page = store_->ListJobs(v1::JOB_STATE_UNSPECIFIED, 2, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->jobs.size(), 2u);
  EXPECT_EQ(page->jobs[0].id(), "job-3");
  EXPECT_EQ(page->jobs[1].id(), "job-2");
  auto rest = store_->ListJobs(v1::JOB_STATE_UNSPECIFIED, 2, page->next_page_token);
  ASSERT_EQ(rest->jobs.size(), 1u);
  EXPECT_EQ(rest->jobs[0].id(), "job-1");
  EXPECT_TRUE(rest->next_page_token.empty());
  EXPECT_EQ(store_->ListJobs(v1::RUNNING, 10, "")->jobs.size(), 1u);
  EXPECT_EQ(store_->ListJobs(v1::QUEUED, 10, "junk").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(MetadataStoreTest, ADatasetUsedByAnActiveJobCannotBeDeleted) {
  ASSERT_TRUE(store_->InsertJob(NewJob("job-a"), Queued()).ok());
  const absl::Status status = store_->DeleteDataset("ds-1");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("job-a"), absl::string_view::npos);
  ASSERT_TRUE(store_->UpdateJob("job-a", [](v1::Job* j) {
                       j->set_state(v1::SUCCEEDED);
                       return absl::OkStatus();
                     }, nullptr).ok());
  EXPECT_TRUE(store_->DeleteDataset("ds-1").ok());
  EXPECT_TRUE(absl::IsNotFound(store_->DeleteDataset("ds-1")));
}

}  // namespace
}  // namespace fln
