// File: fault_injection_env.h
//
// An Env for tests (after LevelDB's util/fault_injection_test.cc): it passes
// everything to a base Env and can
// - fail write-side operations with an errno from a chosen point on
//   (ENOSPC: a full disk; EIO: a dying one; from that point on every write
//   fails, which is also how a test "stops the machine" at operation k);
// - simulate a power loss: DropUnsyncedData() throws away what the
//   durability contract of env.h does not promise (unsynced file bytes,
//   creations and renames whose directory was not synced since);
// - run a fake clock.
//
//   FaultInjectionEnv env;
//   env.FailWritesFrom(3, ENOSPC);     // the 3rd write operation from now fails
//   EXPECT_TRUE(absl::IsResourceExhausted(store.Save(...)));
//   ASSERT_TRUE(env.DropUnsyncedData().ok());  // then power loss
//
// Write-side operations: NewWritableFile, Append, SyncAndClose, RenameFile,
// SyncDirectory, CreateDir, and SQLite's writes, truncates and syncs
// (BeforeForeignWrite), counted in the order they happen. Removals always pass
// (unlink needs no space) and are durable at once. Reads never fail.
//
// Thread-safe.
#ifndef FLN_SERVER_FAULT_INJECTION_ENV_H_
#define FLN_SERVER_FAULT_INJECTION_ENV_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/env.h"

namespace fln {

class FaultInjectionEnv : public Env {
 public:
  explicit FaultInjectionEnv(Env* base = Env::Default()) : base_(base) {}

  // The `n`-th write operation from now (1 = the next one) and every later
  // one fail with `error_number`, until ClearFaults(); with `paths_containing`
  // set, only operations on such paths fail (one full volume, say).
  // REQUIRES: n >= 1.
  void FailWritesFrom(int64_t n, int error_number, const std::string& paths_containing = "");
  void ClearFaults();
  // Write operations seen so far (failed ones included).
  int64_t write_operations() const;

  // Simulated power loss: truncates every file written through this Env to
  // its last synced size, then undoes, newest first, each file or directory
  // creation and each rename whose directory has not been synced since.
  // Faults and the clock are unchanged; tracking starts afresh.
  absl::Status DropUnsyncedData();

  // From now on NowMicros() returns `now_micros` plus what AdvanceClock added.
  void UseFakeClock(int64_t now_micros);
  void AdvanceClock(int64_t micros);

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                                bool exclusive) override;
  absl::Status ReadFileInChunks(
      const std::string& path, size_t chunk_bytes,
      const std::function<absl::Status(absl::string_view)>& sink) override;
  absl::Status RenameFile(const std::string& from, const std::string& to) override;
  absl::Status SyncDirectory(const std::string& dir) override;
  absl::Status CreateDir(const std::string& path) override;
  absl::Status RemoveRecursively(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) override;
  absl::StatusOr<FileVersion> StatFile(const std::string& path) override;
  bool IsDirectory(const std::string& path) override;
  bool PathExists(const std::string& path) override;
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;
  int64_t NowMicros() override;
  // Counts as a write operation (SQLite's writes and syncs); not undone by
  // DropUnsyncedData.
  absl::Status BeforeForeignWrite(const std::string& path) override;

 private:
  class File;
  friend class File;

  // A creation or rename that a power loss would undo until `dir` is synced.
  struct PendingEntry {
    enum Kind { kCreatedFile, kCreatedDir, kRenamed } kind;
    std::string dir;
    std::string path;                     // the created path, or the rename's target
    std::string from;                     // kRenamed: the source
    std::optional<std::string> replaced;  // kRenamed over a file: its old bytes
  };
  struct FileState {
    int64_t size = 0;
    int64_t synced_size = 0;
  };

  // Counts one write operation; the injected error if it must fail.
  absl::Status MaybeFail(const std::string& what, const std::string& path);
  void RecordAppend(const std::string& path, int64_t bytes);
  void RecordSync(const std::string& path);

  Env* const base_;
  mutable absl::Mutex mu_;
  int64_t operations_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t fail_from_ ABSL_GUARDED_BY(mu_) = 0;  // 0: no faults
  int error_number_ ABSL_GUARDED_BY(mu_) = 0;
  std::string failing_paths_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, FileState> files_ ABSL_GUARDED_BY(mu_);
  std::vector<PendingEntry> pending_ ABSL_GUARDED_BY(mu_);  // oldest first
  std::optional<int64_t> fake_now_micros_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fln

#endif  // FLN_SERVER_FAULT_INJECTION_ENV_H_
