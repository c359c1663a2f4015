// The fault-injecting Env itself: what it drops on a power loss, where its
// faults land and its clock. The stores' behaviour under it is in
// durability_test.cc.
#include "server/fault_injection_env.h"

#include <cerrno>

#include "gtest/gtest.h"
#include "server/file_util.h"
#include "server/test_util.h"

namespace fln {
namespace {

class FaultInjectionEnvTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing_util::FreshDir("fault_env"); }
  std::string Read(const std::string& name) {
    absl::StatusOr<std::string> bytes = ReadFileToString(&env_, dir_ + "/" + name);
    return bytes.ok() ? *bytes : "<" + bytes.status().ToString() + ">";
  }
  FaultInjectionEnv env_;
  std::string dir_;
};

TEST_F(FaultInjectionEnvTest, APowerLossKeepsSyncedBytesAndDropsTheRest) {
  auto synced = env_.NewWritableFile(dir_ + "/synced", false);
  ASSERT_TRUE(synced.ok());
  ASSERT_TRUE((*synced)->Append("kept").ok());
  ASSERT_TRUE((*synced)->SyncAndClose().ok());
  ASSERT_TRUE(env_.SyncDirectory(dir_).ok());
  auto unsynced = env_.NewWritableFile(dir_ + "/unsynced", false);
  ASSERT_TRUE(unsynced.ok());
  ASSERT_TRUE((*unsynced)->Append("lost").ok());
  unsynced->reset();
  ASSERT_TRUE(env_.SyncDirectory(dir_).ok());  // the name survives, the bytes do not

  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  EXPECT_EQ(Read("synced"), "kept");
  EXPECT_EQ(Read("unsynced"), "");
}

TEST_F(FaultInjectionEnvTest, CreationsAndRenamesNeedADirectorySync) {
  ASSERT_TRUE(WriteFileAtomically(&env_, dir_ + "/f", "old").ok());
  auto file = env_.NewWritableFile(dir_ + "/g", false);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("new").ok());
  ASSERT_TRUE((*file)->SyncAndClose().ok());
  ASSERT_TRUE(env_.RenameFile(dir_ + "/g", dir_ + "/f").ok());
  ASSERT_TRUE(env_.CreateDir(dir_ + "/d").ok());
  EXPECT_EQ(Read("f"), "new");

  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  EXPECT_EQ(Read("f"), "old") << "the rename was never made durable";
  EXPECT_FALSE(env_.PathExists(dir_ + "/g")) << "nor was g's creation";
  EXPECT_FALSE(env_.PathExists(dir_ + "/d"));
}

TEST_F(FaultInjectionEnvTest, FaultsStartAtTheChosenOperationAndLast) {
  const int64_t before = env_.write_operations();
  env_.FailWritesFrom(2, ENOSPC);
  auto file = env_.NewWritableFile(dir_ + "/f", false);  // operation 1: passes
  ASSERT_TRUE(file.ok());
  const absl::Status append = (*file)->Append("x");  // operation 2: fails
  EXPECT_TRUE(absl::IsResourceExhausted(append)) << append;
  EXPECT_NE(append.message().find("disk full"), absl::string_view::npos) << append;
  EXPECT_FALSE(env_.CreateDir(dir_ + "/d").ok());
  EXPECT_EQ(env_.write_operations() - before, 3);
  env_.ClearFaults();
  EXPECT_TRUE(env_.CreateDir(dir_ + "/d").ok());
  env_.FailWritesFrom(1, EIO);
  EXPECT_EQ(env_.SyncDirectory(dir_).code(), absl::StatusCode::kInternal);
}

TEST_F(FaultInjectionEnvTest, TheFakeClockMovesOnlyWhenTold) {
  env_.UseFakeClock(5000);
  EXPECT_EQ(env_.NowMicros(), 5000);
  env_.AdvanceClock(250);
  EXPECT_EQ(env_.NowMicros(), 5250);
}

}  // namespace
}  // namespace fln
