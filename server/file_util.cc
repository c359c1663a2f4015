#include "server/file_util.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace fln {

std::string ParentDirectory(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status WriteFileAtomically(Env* env, const std::string& path, absl::string_view contents) {
  const std::string temp = absl::StrCat(path, ".tmp-", RandomHex(8));
  FLN_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                       env->NewWritableFile(temp, /*exclusive=*/true));
  absl::Status status = file->Append(contents);
  if (status.ok()) status = file->SyncAndClose();
  file.reset();
  if (status.ok()) status = env->RenameFile(temp, path);
  if (!status.ok()) {
    env->RemoveRecursively(temp).IgnoreError();
    return status;
  }
  return env->SyncDirectory(ParentDirectory(path));
}

absl::StatusOr<std::string> ReadFileToString(Env* env, const std::string& path) {
  std::string out;
  FLN_RETURN_IF_ERROR(env->ReadFileInChunks(path, 1 << 16, [&out](absl::string_view chunk) {
    out.append(chunk.data(), chunk.size());
    return absl::OkStatus();
  }));
  return out;
}

absl::Status RenameDurably(Env* env, const std::string& from, const std::string& to) {
  FLN_RETURN_IF_ERROR(env->RenameFile(from, to));
  FLN_RETURN_IF_ERROR(env->SyncDirectory(ParentDirectory(to)));
  if (ParentDirectory(from) != ParentDirectory(to)) {
    FLN_RETURN_IF_ERROR(env->SyncDirectory(ParentDirectory(from)));
  }
  return absl::OkStatus();
}

absl::Status CreateDirectories(Env* env, const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("empty directory path");
  if (env->PathExists(path)) {
    if (env->IsDirectory(path)) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(path, " exists and is not a directory"));
  }
  const std::string parent = ParentDirectory(path);
  if (parent != path && parent != "." && parent != "/") {
    FLN_RETURN_IF_ERROR(CreateDirectories(env, parent));
  }
  absl::Status created = env->CreateDir(path);
  if (absl::IsAlreadyExists(created)) return absl::OkStatus();  // lost a race: fine
  FLN_RETURN_IF_ERROR(created);
  return env->SyncDirectory(parent);
}

std::string RandomHex(int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device device;
  std::string out;
  out.reserve(static_cast<size_t>(digits));
  uint32_t bits = 0;
  for (int i = 0; i < digits; ++i) {
    if (i % 8 == 0) bits = device();
    out.push_back(kHex[bits & 0xf]);
    bits >>= 4;
  }
  return out;
}

}  // namespace fln
