#include "server/file_util.h"

#include <sys/stat.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace fln {
namespace {

std::string TempDir(const std::string& name) {
  const std::string dir = absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name, "-", RandomHex(6));
  EXPECT_TRUE(CreateDirectories(dir).ok());
  return dir;
}

TEST(FileUtilTest, WriteFileAtomicallyReplacesContentsAndLeavesNoTemporaries) {
  const std::string dir = TempDir("atomic");
  const std::string path = dir + "/file";
  ASSERT_TRUE(WriteFileAtomically(path, "first").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "second").ok());
  EXPECT_EQ(*ReadFileToString(path), "second");
  EXPECT_EQ(ListDirectory(dir)->size(), 1u);
}

TEST(FileUtilTest, AFailedAtomicWriteLeavesTheOldFile) {
  const std::string dir = TempDir("atomic_fail");
  const std::string path = dir + "/file";
  ASSERT_TRUE(WriteFileAtomically(path, "old").ok());
  // Renaming a file over a directory fails after the temporary was written.
  ASSERT_TRUE(CreateDirectories(dir + "/blocker").ok());
  EXPECT_FALSE(WriteFileAtomically(dir + "/blocker", "new").ok());
  EXPECT_EQ(*ReadFileToString(path), "old");
  EXPECT_EQ(ListDirectory(dir)->size(), 2u) << "the temporary file is removed";
}

TEST(FileUtilTest, MissingFilesAreNotFound) {
  EXPECT_TRUE(absl::IsNotFound(ReadFileToString("/nonexistent/x").status()));
  EXPECT_TRUE(absl::IsNotFound(StatFile("/nonexistent/x").status()));
}

TEST(FileUtilTest, CreateAndRemoveTrees) {
  const std::string dir = TempDir("tree");
  ASSERT_TRUE(CreateDirectories(dir + "/a/b/c").ok());
  ASSERT_TRUE(WriteFileAtomically(dir + "/a/b/c/f", "x").ok());
  ASSERT_TRUE(RemoveRecursively(dir + "/a").ok());
  EXPECT_FALSE(PathExists(dir + "/a"));
  EXPECT_TRUE(RemoveRecursively(dir + "/a").ok()) << "removing nothing is fine";
  ASSERT_TRUE(WriteFileAtomically(dir + "/file", "x").ok());
  EXPECT_EQ(CreateDirectories(dir + "/file").code(), absl::StatusCode::kFailedPrecondition);
}

TEST(FileUtilTest, RenameDurablyMovesDirectories) {
  const std::string dir = TempDir("rename");
  ASSERT_TRUE(CreateDirectories(dir + "/from").ok());
  ASSERT_TRUE(WriteFileAtomically(dir + "/from/f", "x").ok());
  ASSERT_TRUE(RenameDurably(dir + "/from", dir + "/to").ok());
  EXPECT_EQ(*ReadFileToString(dir + "/to/f"), "x");
}

TEST(FileUtilTest, WritableFileAppendsAndCountsBytes) {
  const std::string dir = TempDir("writable");
  auto file = WritableFile::Create(dir + "/w");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("ab").ok());
  ASSERT_TRUE((*file)->Append("cd").ok());
  EXPECT_EQ((*file)->size(), 4);
  ASSERT_TRUE((*file)->SyncAndClose().ok());
  EXPECT_FALSE((*file)->Append("e").ok());
  std::string read;
  ASSERT_TRUE(ReadFileInChunks(dir + "/w", 3, [&](absl::string_view c) {
                read += std::string(c) + "|";
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(read, "abc|d|");
}

TEST(FileUtilTest, StatFileChangesWhenAFileIsReplaced) {
  const std::string dir = TempDir("version");
  ASSERT_TRUE(WriteFileAtomically(dir + "/v", "same").ok());
  const FileVersion before = *StatFile(dir + "/v");
  ASSERT_TRUE(WriteFileAtomically(dir + "/v", "same").ok());
  EXPECT_NE(*StatFile(dir + "/v"), before);
}

TEST(FileUtilTest, ErrnoMapsToCanonicalCodes) {
  EXPECT_EQ(ErrnoToStatus(ENOENT, "x").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrnoToStatus(ENOSPC, "x").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrnoToStatus(EACCES, "x").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoToStatus(EIO, "x").code(), absl::StatusCode::kInternal);
}

TEST(FileUtilTest, RandomHexHasTheRequestedLength) {
  const std::string a = RandomHex(12);
  EXPECT_EQ(a.size(), 12u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, RandomHex(12));
}

}  // namespace
}  // namespace fln
