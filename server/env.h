// File: env.h
//
// Env is the server's only door to the file system and the clock, in the
// style of LevelDB's include/leveldb/env.h. Production code takes an Env*
// and uses Env::Default() (POSIX, the real clock); tests substitute one that
// injects faults (fault_injection_env.h): dropped unsynced writes, ENOSPC or
// EIO at chosen operations, a fake clock.
//
//   Env* env = Env::Default();
//   FLN_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> f, env->NewWritableFile(path));
//   FLN_RETURN_IF_ERROR(f->Append(bytes));
//   FLN_RETURN_IF_ERROR(f->SyncAndClose());
//
// Durability contract (what the fault-injecting Env simulates): data written
// to a file survives a power loss only once SyncAndClose() returned OK; a
// file's creation, a rename or a directory creation survives only once the
// containing directory was synced with SyncDirectory(). Composite helpers
// that follow these rules live in file_util.h.
//
// Errors: every method's status message starts with the path concerned and
// errno maps as ErrnoToStatus below describes.
//
// SQLite (metadata_store.h) does its own I/O; sqlite_env_vfs.h lets an Env
// refuse its writes (BeforeForeignWrite), but a simulated power loss does not
// undo them. core/'s dataset parsers read files directly, and the log goes to
// stderr.
//
// Thread-safety: Env implementations are safe for concurrent use; a
// WritableFile is used by one thread at a time.
#ifndef FLN_SERVER_ENV_H_
#define FLN_SERVER_ENV_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fln {

// Maps `error_number` to "<what>: <strerror>" with the code: ENOENT ->
// NOT_FOUND, EEXIST -> ALREADY_EXISTS, ENOSPC/EDQUOT -> RESOURCE_EXHAUSTED
// ("disk full"), EACCES/EPERM/EROFS -> PERMISSION_DENIED, else INTERNAL.
absl::Status ErrnoToStatus(int error_number, absl::string_view what);

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

// A file being written sequentially. Destroying it without SyncAndClose()
// closes it; its data may then be lost on power loss.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual absl::Status Append(absl::string_view data) = 0;
  // fsync + close. No Append afterwards (FAILED_PRECONDITION).
  virtual absl::Status SyncAndClose() = 0;
  // Bytes appended so far.
  virtual int64_t size() const = 0;
  virtual const std::string& path() const = 0;
};

// An exclusive advisory lock on a file, held until destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The POSIX file system and the real clock. Never destroyed.
  static Env* Default();

  // Creates `path` (truncating an existing file). With `exclusive`,
  // ALREADY_EXISTS if it exists.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                                        bool exclusive) = 0;

  // Streams `path` in chunks of up to `chunk_bytes` to `sink`, stopping at
  // the first error `sink` returns. NOT_FOUND if `path` does not exist.
  virtual absl::Status ReadFileInChunks(
      const std::string& path, size_t chunk_bytes,
      const std::function<absl::Status(absl::string_view)>& sink) = 0;

  // rename(2): atomic, replaces an existing file `to` (a directory `to` must
  // not exist). Not durable until the parent directories are synced.
  virtual absl::Status RenameFile(const std::string& from, const std::string& to) = 0;

  // fsync() of a directory, making creations and renames inside it durable.
  virtual absl::Status SyncDirectory(const std::string& dir) = 0;

  // mkdir of one level. ALREADY_EXISTS if `path` exists.
  virtual absl::Status CreateDir(const std::string& path) = 0;

  // rm -rf. OK if `path` does not exist. Takes effect at once (a removal is
  // never undone by a simulated power loss).
  virtual absl::Status RemoveRecursively(const std::string& path) = 0;

  // Names of the entries of `dir` (no "." or ".."), unsorted.
  virtual absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) = 0;

  // stat(). NOT_FOUND if `path` does not exist.
  virtual absl::StatusOr<FileVersion> StatFile(const std::string& path) = 0;
  // True iff `path` names an existing directory.
  virtual bool IsDirectory(const std::string& path) = 0;
  // True iff `path` names an existing file or directory.
  virtual bool PathExists(const std::string& path) = 0;

  // Creates `path` if needed and takes an exclusive lock on it;
  // FAILED_PRECONDITION if another process (or lock) holds it.
  virtual absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;

  // Wall-clock time in microseconds since the Unix epoch.
  virtual int64_t NowMicros() = 0;

  // Called before each write, truncate or sync that other code performs on
  // `path` itself (SQLite, through sqlite_env_vfs.h); a non-OK status fails
  // that operation. The POSIX Env allows everything.
  virtual absl::Status BeforeForeignWrite(const std::string& path) { return absl::OkStatus(); }
};

}  // namespace fln

#endif  // FLN_SERVER_ENV_H_
