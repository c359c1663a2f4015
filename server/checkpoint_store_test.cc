#include "server/checkpoint_store.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/file_util.h"

namespace fln {
namespace {

class CheckpointStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/ckpt-", RandomHex(6));
    ASSERT_TRUE(CreateDirectories(Env::Default(), dir_).ok());
    checkpoint_.mutable_spec()->set_input_size(4);
    checkpoint_.mutable_state()->set_epochs_completed(3);
    v1::Tensor* w = checkpoint_.add_layers()->mutable_weight();
    w->set_rows(1);
    w->set_cols(2);
    w->add_values(1.5f);
    w->add_values(-2.0f);
  }
  std::string dir_;
  v1::Checkpoint checkpoint_;
};

TEST_F(CheckpointStoreTest, SaveThenLoadRoundTrips) {
  CheckpointStore store(Env::Default(), dir_);
  ASSERT_TRUE(store.Save("job-1", checkpoint_).ok());
  absl::StatusOr<v1::Checkpoint> loaded = store.Load("job-1");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->SerializeAsString(), checkpoint_.SerializeAsString());
}

TEST_F(CheckpointStoreTest, AMissingCheckpointIsNotFound) {
  CheckpointStore store(Env::Default(), dir_);
  EXPECT_TRUE(absl::IsNotFound(store.Load("job-none").status()));
  EXPECT_TRUE(absl::IsNotFound(store.Version("job-none").status()));
}

TEST_F(CheckpointStoreTest, EveryCorruptionIsDataLoss) {
  const std::string good = CheckpointStore::Encode(checkpoint_);
  ASSERT_TRUE(CheckpointStore::Decode(good, "x").ok());
  std::string flipped = good;
  flipped[flipped.size() - 3] ^= 0x01;
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  const std::string truncated = good.substr(0, good.size() - 1);
  const std::string header_only = good.substr(0, 10);
  for (const std::string& bytes : {flipped, bad_magic, truncated, header_only, std::string()}) {
    EXPECT_EQ(CheckpointStore::Decode(bytes, "x").status().code(), absl::StatusCode::kDataLoss);
  }
}

TEST_F(CheckpointStoreTest, ACorruptFileOnDiskIsDataLossNamingIt) {
  CheckpointStore store(Env::Default(), dir_);
  ASSERT_TRUE(store.Save("job-2", checkpoint_).ok());
  std::string bytes = *ReadFileToString(Env::Default(), store.PathFor("job-2"));
  bytes.back() ^= 0x10;
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), store.PathFor("job-2"), bytes).ok());
  const absl::Status status = store.Load("job-2").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("job-2.ckpt"), absl::string_view::npos) << status;
}

}  // namespace
}  // namespace fln
