// File: file_util.h
//
// Small POSIX file helpers with LevelDB-style durability (db/filename.cc
// SetCurrentFile): a file becomes visible under its final name only once
// its bytes are on disk, and the rename itself is made durable by syncing
// the directory.
//
//   FLN_RETURN_IF_ERROR(WriteFileAtomically(dir + "/x.ckpt", bytes));
//
// Errors: every function returns a status whose message starts with the path
// concerned. errno is mapped as: ENOENT -> NOT_FOUND, EEXIST ->
// ALREADY_EXISTS, ENOSPC/EDQUOT -> RESOURCE_EXHAUSTED ("disk full"),
// EACCES/EPERM/EROFS -> PERMISSION_DENIED, anything else -> INTERNAL.
#ifndef FLN_SERVER_FILE_UTIL_H_
#define FLN_SERVER_FILE_UTIL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fln {

// Maps `error_number` to a status as described above: "<what>: <strerror>".
absl::Status ErrnoToStatus(int error_number, absl::string_view what);

// Writes `contents` to a fresh temporary file beside `path`, fsyncs it,
// renames it over `path` and fsyncs the directory. On failure the temporary
// file is removed and `path` is untouched (old contents or absent).
absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents);

// Whole-file read. NOT_FOUND if `path` does not exist.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

// fsync() of a directory, so that renames and creations inside it survive a
// crash.
absl::Status SyncDirectory(const std::string& dir);

// rename(from, to), then SyncDirectory on the parent of `to` (and of `from`
// when it differs). Works for files and directories (a directory `to` must
// not exist).
absl::Status RenameDurably(const std::string& from, const std::string& to);

// mkdir -p. OK if the directory already exists; FAILED_PRECONDITION if a
// component exists and is not a directory.
absl::Status CreateDirectories(const std::string& path);

// rm -rf. OK if `path` does not exist.
absl::Status RemoveRecursively(const std::string& path);

// Names of the entries of `dir` (no "." or ".."), unsorted.
absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir);

// True iff `path` names an existing file or directory.
bool PathExists(const std::string& path);

// Identity of one version of a file: a rename-into-place always changes it.
struct FileVersion {
  uint64_t inode = 0;
  int64_t size = 0;
  int64_t mtime_nanos = 0;
  bool operator==(const FileVersion& o) const {
    return inode == o.inode && size == o.size && mtime_nanos == o.mtime_nanos;
  }
  bool operator!=(const FileVersion& o) const { return !(*this == o); }
};

// stat(). NOT_FOUND if `path` does not exist.
absl::StatusOr<FileVersion> StatFile(const std::string& path);

// A file being written sequentially (uploads). Not thread-safe.
class WritableFile {
 public:
  // Creates (truncating) `path`.
  static absl::StatusOr<std::unique_ptr<WritableFile>> Create(const std::string& path);
  ~WritableFile();  // closes without syncing

  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;

  absl::Status Append(absl::string_view data);
  // fsync + close. No Append afterwards.
  absl::Status SyncAndClose();
  int64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  WritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
  int64_t size_ = 0;
};

// Streams `path` in chunks of up to `chunk_bytes` to `sink`, stopping at the
// first error `sink` returns.
absl::Status ReadFileInChunks(const std::string& path, size_t chunk_bytes,
                              const std::function<absl::Status(absl::string_view)>& sink);

// A random hex string of `digits` characters (from std::random_device), for
// ids and temporary names.
std::string RandomHex(int digits);

}  // namespace fln

#endif  // FLN_SERVER_FILE_UTIL_H_
