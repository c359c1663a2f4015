// What a full disk, a dying disk or a power loss at any write operation
// does to the files flnd keeps: checkpoints and datasets are either the old
// version or the new one, never torn, and errors carry the right code.
//
// Each matrix first counts the write operations of a clean run (N), then
// repeats the run once per operation k = 1..N with every operation from k on
// failing, which is what a machine that stops at k looks like to the files,
// and checks the state after a simulated power loss and a reopen.
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "gtest/gtest.h"
#include "server/checkpoint_store.h"
#include "server/dataset_store.h"
#include "server/fault_injection_env.h"
#include "server/file_util.h"
#include "server/metadata_store.h"
#include "server/test_util.h"

namespace fln {
namespace {

v1::Checkpoint CheckpointAtEpoch(int epoch) {
  v1::Checkpoint checkpoint;
  checkpoint.mutable_spec()->set_input_size(3);
  checkpoint.mutable_state()->set_epochs_completed(epoch);
  v1::Tensor* w = checkpoint.add_layers()->mutable_weight();
  w->set_rows(2);
  w->set_cols(3);
  for (int i = 0; i < 6; ++i) w->add_values(static_cast<float>(epoch * 10 + i));
  return checkpoint;
}

TEST(DurabilityTest, WriteFileAtomicallyLeavesOldOrNewAfterAPowerLossAtAnyOperation) {
  FaultInjectionEnv env;
  const std::string dir = testing_util::FreshDir("atomic_matrix");
  const std::string path = dir + "/file";
  ASSERT_TRUE(WriteFileAtomically(&env, path, "old contents").ok());
  const int64_t start = env.write_operations();
  ASSERT_TRUE(WriteFileAtomically(&env, path, "new contents").ok());
  const int64_t operations = env.write_operations() - start;
  ASSERT_GE(operations, 5) << "create, append, fsync, rename, directory fsync";

  for (int64_t k = 1; k <= operations; ++k) {
    ASSERT_TRUE(WriteFileAtomically(&env, path, "old contents").ok());
    env.FailWritesFrom(k, EIO);
    EXPECT_FALSE(WriteFileAtomically(&env, path, "new contents").ok()) << "k=" << k;
    ASSERT_TRUE(env.DropUnsyncedData().ok());
    env.ClearFaults();
    EXPECT_EQ(*ReadFileToString(&env, path), "old contents")
        << "a write that failed at operation " << k << " is not durable";
    EXPECT_EQ(env.ListDirectory(dir)->size(), 1u) << "no temporary file survives, k=" << k;
  }
  // Once the last operation succeeded the new contents survive a power loss.
  ASSERT_TRUE(WriteFileAtomically(&env, path, "new contents").ok());
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_EQ(*ReadFileToString(&env, path), "new contents");
}

TEST(DurabilityTest, ACheckpointSaveThatFailsKeepsThePreviousCheckpoint) {
  FaultInjectionEnv env;
  const std::string dir = testing_util::FreshDir("checkpoint_matrix");
  CheckpointStore store(&env, dir);
  const int64_t start = env.write_operations();
  ASSERT_TRUE(store.Save("job", CheckpointAtEpoch(1)).ok());
  const int64_t operations = env.write_operations() - start;

  for (int error : {ENOSPC, EIO}) {
    for (int64_t k = 1; k <= operations; ++k) {
      env.FailWritesFrom(k, error);
      const absl::Status saved = store.Save("job", CheckpointAtEpoch(2));
      EXPECT_EQ(saved.code(), error == ENOSPC ? absl::StatusCode::kResourceExhausted
                                              : absl::StatusCode::kInternal)
          << "k=" << k << ": " << saved;
      ASSERT_TRUE(env.DropUnsyncedData().ok());
      env.ClearFaults();
      absl::StatusOr<v1::Checkpoint> loaded = store.Load("job");
      ASSERT_TRUE(loaded.ok()) << "k=" << k << ": " << loaded.status();
      EXPECT_EQ(loaded->state().epochs_completed(), 1) << "k=" << k;
      EXPECT_EQ(loaded->layers(0).weight().values(5), 15.0f);
    }
  }
  ASSERT_TRUE(store.Save("job", CheckpointAtEpoch(2)).ok());
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_EQ(store.Load("job")->state().epochs_completed(), 2);
}

class DatasetDurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing_util::FreshDir("dataset_matrix"); }

  // Opens the metadata (SQLite, outside the Env) and the dataset store.
  void Open() {
    datasets_.reset();
    meta_.reset();
    auto meta = MetadataStore::Open(dir_ + "/fln.db", &env_);
    ASSERT_TRUE(meta.ok()) << meta.status();
    meta_ = std::move(meta).value();
    DatasetStore::Options options;
    options.data_dir = dir_;
    options.env = &env_;
    auto datasets = DatasetStore::Create(options, meta_.get());
    ASSERT_TRUE(datasets.ok()) << datasets.status();
    datasets_ = std::move(datasets).value();
  }

  absl::StatusOr<v1::Dataset> UploadCsv() {
    v1::UploadHeader header;
    header.set_name("matrix");
    header.set_format(v1::CSV);
    FLN_ASSIGN_OR_RETURN(std::unique_ptr<DatasetStore::Upload> upload,
                         datasets_->BeginUpload(header));
    FLN_RETURN_IF_ERROR(upload->AddChunk(v1::CSV_TABLE, "0,1,2\n1,3,4\n"));
    FLN_RETURN_IF_ERROR(upload->AddChunk(v1::CSV_TABLE, "1,5,6\n"));
    return upload->Commit();
  }

  FaultInjectionEnv env_;
  std::string dir_;
  std::unique_ptr<MetadataStore> meta_;
  std::unique_ptr<DatasetStore> datasets_;
};

TEST_F(DatasetDurabilityTest, AnUploadStoppedAtAnyOperationIsAllOrNothingAfterRestart) {
  Open();
  const int64_t start = env_.write_operations();
  ASSERT_TRUE(UploadCsv().ok());
  const int64_t operations = env_.write_operations() - start;
  ASSERT_GE(operations, 8);

  for (int64_t k = 1; k <= operations; ++k) {
    SetUp();  // a fresh data directory for each stopping point
    Open();
    env_.FailWritesFrom(k, EIO);
    const absl::StatusOr<v1::Dataset> uploaded = UploadCsv();
    EXPECT_FALSE(uploaded.ok()) << "k=" << k;
    datasets_.reset();                          // the process dies ...
    ASSERT_TRUE(env_.DropUnsyncedData().ok());  // ... with the machine
    env_.ClearFaults();
    Open();  // restart: the store cleans up what it does not know

    const std::vector<v1::Dataset> listed = *datasets_->List();
    EXPECT_TRUE(listed.empty()) << "k=" << k << ": a failed upload is not listed";
    EXPECT_TRUE(env_.ListDirectory(dir_ + "/datasets")->empty()) << "k=" << k;
    EXPECT_TRUE(env_.ListDirectory(dir_ + "/tmp")->empty()) << "k=" << k;
  }
}

TEST_F(DatasetDurabilityTest, ACommittedUploadSurvivesAPowerLoss) {
  Open();
  const absl::StatusOr<v1::Dataset> uploaded = UploadCsv();
  ASSERT_TRUE(uploaded.ok()) << uploaded.status();
  datasets_.reset();
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  Open();
  absl::StatusOr<std::shared_ptr<const Dataset>> data = datasets_->Load(uploaded->id());
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ((*data)->num_samples(), 3);
  EXPECT_EQ((*data)->features(1, 2), 6.0f);
}

TEST_F(DatasetDurabilityTest, AFullDiskFailsTheUploadWithResourceExhausted) {
  Open();
  env_.FailWritesFrom(3, ENOSPC);  // past the upload directory, into the data
  const absl::StatusOr<v1::Dataset> uploaded = UploadCsv();
  EXPECT_EQ(uploaded.status().code(), absl::StatusCode::kResourceExhausted) << uploaded.status();
  EXPECT_NE(uploaded.status().message().find("disk full"), absl::string_view::npos);
  env_.ClearFaults();
  EXPECT_TRUE(UploadCsv().ok()) << "the store works again once there is space";
}

}  // namespace
}  // namespace fln
