#include "server/file_util.h"

#include <sys/stat.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace fln {
namespace {

std::string TempDir(const std::string& name) {
  const std::string dir = absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name, "-", RandomHex(6));
  EXPECT_TRUE(CreateDirectories(Env::Default(), dir).ok());
  return dir;
}

TEST(FileUtilTest, WriteFileAtomicallyReplacesContentsAndLeavesNoTemporaries) {
  const std::string dir = TempDir("atomic");
  const std::string path = dir + "/file";
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), path, "first").ok());
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), path, "second").ok());
  EXPECT_EQ(*ReadFileToString(Env::Default(), path), "second");
  EXPECT_EQ(Env::Default()->ListDirectory(dir)->size(), 1u);
}

TEST(FileUtilTest, AFailedAtomicWriteLeavesTheOldFile) {
  const std::string dir = TempDir("atomic_fail");
  const std::string path = dir + "/file";
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), path, "old").ok());
  // Renaming a file over a directory fails after the temporary was written.
  ASSERT_TRUE(CreateDirectories(Env::Default(), dir + "/blocker").ok());
  EXPECT_FALSE(WriteFileAtomically(Env::Default(), dir + "/blocker", "new").ok());
  EXPECT_EQ(*ReadFileToString(Env::Default(), path), "old");
  EXPECT_EQ(Env::Default()->ListDirectory(dir)->size(), 2u) << "the temporary file is removed";
}

TEST(FileUtilTest, MissingFilesAreNotFound) {
  EXPECT_TRUE(absl::IsNotFound(ReadFileToString(Env::Default(), "/nonexistent/x").status()));
  EXPECT_TRUE(absl::IsNotFound(Env::Default()->StatFile("/nonexistent/x").status()));
}

TEST(FileUtilTest, CreateAndRemoveTrees) {
  const std::string dir = TempDir("tree");
  ASSERT_TRUE(CreateDirectories(Env::Default(), dir + "/a/b/c").ok());
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), dir + "/a/b/c/f", "x").ok());
  ASSERT_TRUE(Env::Default()->RemoveRecursively(dir + "/a").ok());
  EXPECT_FALSE(Env::Default()->PathExists(dir + "/a"));
  EXPECT_TRUE(Env::Default()->RemoveRecursively(dir + "/a").ok()) << "removing nothing is fine";
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), dir + "/file", "x").ok());
  EXPECT_EQ(CreateDirectories(Env::Default(), dir + "/file").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(FileUtilTest, RenameDurablyMovesDirectories) {
  const std::string dir = TempDir("rename");
  ASSERT_TRUE(CreateDirectories(Env::Default(), dir + "/from").ok());
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), dir + "/from/f", "x").ok());
  ASSERT_TRUE(RenameDurably(Env::Default(), dir + "/from", dir + "/to").ok());
  EXPECT_EQ(*ReadFileToString(Env::Default(), dir + "/to/f"), "x");
}

TEST(FileUtilTest, WritableFileAppendsAndCountsBytes) {
  const std::string dir = TempDir("writable");
  auto file = Env::Default()->NewWritableFile(dir + "/w", /*exclusive=*/false);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("ab").ok());
  ASSERT_TRUE((*file)->Append("cd").ok());
  EXPECT_EQ((*file)->size(), 4);
  ASSERT_TRUE((*file)->SyncAndClose().ok());
  EXPECT_FALSE((*file)->Append("e").ok());
  std::string read;
  ASSERT_TRUE(Env::Default()
                  ->ReadFileInChunks(dir + "/w", 3,
                                     [&](absl::string_view c) {
                                       read += std::string(c) + "|";
                                       return absl::OkStatus();
                                     })
                  .ok());
  EXPECT_EQ(read, "abc|d|");
}

TEST(FileUtilTest, StatFileChangesWhenAFileIsReplaced) {
  const std::string dir = TempDir("version");
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), dir + "/v", "same").ok());
  const FileVersion before = *Env::Default()->StatFile(dir + "/v");
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), dir + "/v", "same").ok());
  EXPECT_NE(*Env::Default()->StatFile(dir + "/v"), before);
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
