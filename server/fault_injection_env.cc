#include "server/fault_injection_env.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "server/file_util.h"

namespace fln {
namespace {

// Rewrites `path` with `contents` and syncs it (used to restore state, so
// through the base Env and never failed).
absl::Status Rewrite(Env* base, const std::string& path, absl::string_view contents) {
  FLN_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                       base->NewWritableFile(path, /*exclusive=*/false));
  FLN_RETURN_IF_ERROR(file->Append(contents));
  return file->SyncAndClose();
}

// True if `path` is `dir` or lies inside it.
bool IsAtOrUnder(const std::string& path, const std::string& dir) {
  return path == dir || absl::StartsWith(path, dir + "/");
}

}  // namespace

class FaultInjectionEnv::File : public WritableFile {
 public:
  File(FaultInjectionEnv* env, std::unique_ptr<WritableFile> base)
      : env_(env), base_(std::move(base)) {}

  absl::Status Append(absl::string_view data) override {
    FLN_RETURN_IF_ERROR(env_->MaybeFail("append", path()));
    FLN_RETURN_IF_ERROR(base_->Append(data));
    env_->RecordAppend(path(), static_cast<int64_t>(data.size()));
    return absl::OkStatus();
  }

  absl::Status SyncAndClose() override {
    FLN_RETURN_IF_ERROR(env_->MaybeFail("fsync", path()));
    FLN_RETURN_IF_ERROR(base_->SyncAndClose());
    env_->RecordSync(path());
    return absl::OkStatus();
  }

  int64_t size() const override { return base_->size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  FaultInjectionEnv* const env_;
  const std::unique_ptr<WritableFile> base_;
};

void FaultInjectionEnv::FailWritesFrom(int64_t n, int error_number,
                                       const std::string& paths_containing) {
  absl::MutexLock lock(&mu_);
  fail_from_ = operations_ + std::max<int64_t>(n, 1);
  error_number_ = error_number;
  failing_paths_ = paths_containing;
}

void FaultInjectionEnv::ClearFaults() {
  absl::MutexLock lock(&mu_);
  fail_from_ = 0;
}

int64_t FaultInjectionEnv::write_operations() const {
  absl::MutexLock lock(&mu_);
  return operations_;
}

absl::Status FaultInjectionEnv::MaybeFail(const std::string& what, const std::string& path) {
  absl::MutexLock lock(&mu_);
  ++operations_;
  if (fail_from_ == 0 || operations_ < fail_from_) return absl::OkStatus();
  if (!absl::StrContains(path, failing_paths_)) return absl::OkStatus();
  return ErrnoToStatus(error_number_, absl::StrCat(path, ": ", what, " (injected)"));
}

void FaultInjectionEnv::RecordAppend(const std::string& path, int64_t bytes) {
  absl::MutexLock lock(&mu_);
  files_[path].size += bytes;
}

void FaultInjectionEnv::RecordSync(const std::string& path) {
  absl::MutexLock lock(&mu_);
  FileState& state = files_[path];
  state.synced_size = state.size;
}

absl::Status FaultInjectionEnv::DropUnsyncedData() {
  absl::MutexLock lock(&mu_);
  for (const auto& [path, state] : files_) {
    if (state.size == state.synced_size || !base_->PathExists(path)) continue;
    FLN_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(base_, path));
    bytes.resize(static_cast<size_t>(std::min<int64_t>(state.synced_size, bytes.size())));
    FLN_RETURN_IF_ERROR(Rewrite(base_, path, bytes));
  }
  for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
    if (it->kind != PendingEntry::kRenamed) {
      FLN_RETURN_IF_ERROR(base_->RemoveRecursively(it->path));
      continue;
    }
    if (base_->PathExists(it->path)) FLN_RETURN_IF_ERROR(base_->RenameFile(it->path, it->from));
    if (it->replaced.has_value()) FLN_RETURN_IF_ERROR(Rewrite(base_, it->path, *it->replaced));
  }
  files_.clear();
  pending_.clear();
  return absl::OkStatus();
}

void FaultInjectionEnv::UseFakeClock(int64_t now_micros) {
  absl::MutexLock lock(&mu_);
  fake_now_micros_ = now_micros;
}

void FaultInjectionEnv::AdvanceClock(int64_t micros) {
  absl::MutexLock lock(&mu_);
  if (fake_now_micros_.has_value()) *fake_now_micros_ += micros;
}

int64_t FaultInjectionEnv::NowMicros() {
  {
    absl::MutexLock lock(&mu_);
    if (fake_now_micros_.has_value()) return *fake_now_micros_;
  }
  return base_->NowMicros();
}

absl::StatusOr<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewWritableFile(
    const std::string& path, bool exclusive) {
  FLN_RETURN_IF_ERROR(MaybeFail("create", path));
  const bool existed = base_->PathExists(path);
  FLN_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, base_->NewWritableFile(path, exclusive));
  absl::MutexLock lock(&mu_);
  files_[path] = FileState{};  // truncated: nothing of it is synced yet
  if (!existed) pending_.push_back({PendingEntry::kCreatedFile, ParentDirectory(path), path});
  return std::unique_ptr<WritableFile>(new File(this, std::move(file)));
}

absl::Status FaultInjectionEnv::ReadFileInChunks(
    const std::string& path, size_t chunk_bytes,
    const std::function<absl::Status(absl::string_view)>& sink) {
  return base_->ReadFileInChunks(path, chunk_bytes, sink);
}

absl::Status FaultInjectionEnv::RenameFile(const std::string& from, const std::string& to) {
  FLN_RETURN_IF_ERROR(MaybeFail("rename", to));
  std::optional<std::string> replaced;
  if (base_->PathExists(to) && !base_->IsDirectory(to)) {
    FLN_ASSIGN_OR_RETURN(replaced, ReadFileToString(base_, to));
  }
  FLN_RETURN_IF_ERROR(base_->RenameFile(from, to));
  absl::MutexLock lock(&mu_);
  // Files tracked under `from` (itself, or inside it for a directory) move.
  std::map<std::string, FileState> moved;
  for (auto it = files_.begin(); it != files_.end();) {
    if (IsAtOrUnder(it->first, from)) {
      moved[to + it->first.substr(from.size())] = it->second;
      it = files_.erase(it);
    } else {
      ++it;
    }
  }
  files_.insert(moved.begin(), moved.end());
  pending_.push_back({PendingEntry::kRenamed, ParentDirectory(to), to, from, std::move(replaced)});
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::SyncDirectory(const std::string& dir) {
  FLN_RETURN_IF_ERROR(MaybeFail("fsync directory", dir));
  FLN_RETURN_IF_ERROR(base_->SyncDirectory(dir));
  absl::MutexLock lock(&mu_);
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                [&dir](const PendingEntry& e) { return e.dir == dir; }),
                 pending_.end());
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::CreateDir(const std::string& path) {
  FLN_RETURN_IF_ERROR(MaybeFail("mkdir", path));
  FLN_RETURN_IF_ERROR(base_->CreateDir(path));
  absl::MutexLock lock(&mu_);
  pending_.push_back({PendingEntry::kCreatedDir, ParentDirectory(path), path});
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::RemoveRecursively(const std::string& path) {
  FLN_RETURN_IF_ERROR(base_->RemoveRecursively(path));
  absl::MutexLock lock(&mu_);
  for (auto it = files_.begin(); it != files_.end();) {
    it = IsAtOrUnder(it->first, path) ? files_.erase(it) : std::next(it);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> FaultInjectionEnv::ListDirectory(const std::string& dir) {
  return base_->ListDirectory(dir);
}

absl::StatusOr<FileVersion> FaultInjectionEnv::StatFile(const std::string& path) {
  return base_->StatFile(path);
}

bool FaultInjectionEnv::IsDirectory(const std::string& path) { return base_->IsDirectory(path); }

bool FaultInjectionEnv::PathExists(const std::string& path) { return base_->PathExists(path); }

absl::Status FaultInjectionEnv::BeforeForeignWrite(const std::string& path) {
  return MaybeFail("database write", path);
}

absl::StatusOr<std::unique_ptr<FileLock>> FaultInjectionEnv::LockFile(const std::string& path) {
  return base_->LockFile(path);
}

}  // namespace fln
