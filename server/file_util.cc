#include "server/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace fln {
namespace {

std::string Parent(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status WriteAll(int fd, absl::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, absl::StrCat(path, ": write"));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ErrnoToStatus(int error_number, absl::string_view what) {
  const std::string message = absl::StrCat(what, ": ", std::strerror(error_number));
  switch (error_number) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EEXIST:
      return absl::AlreadyExistsError(message);
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(absl::StrCat(message, " (disk full)"));
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat(dir, ": open directory"));
  absl::Status status;
  if (::fsync(fd) != 0) status = ErrnoToStatus(errno, absl::StrCat(dir, ": fsync directory"));
  ::close(fd);
  return status;
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents) {
  const std::string temp = absl::StrCat(path, ".tmp-", RandomHex(8));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat(temp, ": create"));
  absl::Status status = WriteAll(fd, contents, temp);
  if (status.ok() && ::fsync(fd) != 0) status = ErrnoToStatus(errno, absl::StrCat(temp, ": fsync"));
  if (::close(fd) != 0 && status.ok()) status = ErrnoToStatus(errno, absl::StrCat(temp, ": close"));
  if (status.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    status = ErrnoToStatus(errno, absl::StrCat(path, ": rename from ", temp));
  }
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  return SyncDirectory(Parent(path));
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat(path, ": open"));
  std::string out;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      const absl::Status status = ErrnoToStatus(errno, absl::StrCat(path, ": read"));
      ::close(fd);
      return status;
    }
    if (n == 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

absl::Status ReadFileInChunks(const std::string& path, size_t chunk_bytes,
                              const std::function<absl::Status(absl::string_view)>& sink) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat(path, ": open"));
  std::string buffer(chunk_bytes, '\0');
  absl::Status status;
  while (status.ok()) {
    const ssize_t n = ::read(fd, &buffer[0], buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      status = ErrnoToStatus(errno, absl::StrCat(path, ": read"));
      break;
    }
    if (n == 0) break;
    status = sink(absl::string_view(buffer.data(), static_cast<size_t>(n)));
  }
  ::close(fd);
  return status;
}

absl::Status RenameDurably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoToStatus(errno, absl::StrCat(to, ": rename from ", from));
  }
  FLN_RETURN_IF_ERROR(SyncDirectory(Parent(to)));
  if (Parent(from) != Parent(to)) FLN_RETURN_IF_ERROR(SyncDirectory(Parent(from)));
  return absl::OkStatus();
}

absl::Status CreateDirectories(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("empty directory path");
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(path, " exists and is not a directory"));
  }
  const std::string parent = Parent(path);
  if (parent != path && parent != "." && parent != "/") {
    FLN_RETURN_IF_ERROR(CreateDirectories(parent));
  }
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoToStatus(errno, absl::StrCat(path, ": mkdir"));
  }
  return absl::OkStatus();
}

absl::Status RemoveRecursively(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoToStatus(errno, absl::StrCat(path, ": stat"));
  }
  if (S_ISDIR(st.st_mode)) {
    FLN_ASSIGN_OR_RETURN(std::vector<std::string> entries, ListDirectory(path));
    for (const std::string& entry : entries) {
      FLN_RETURN_IF_ERROR(RemoveRecursively(absl::StrCat(path, "/", entry)));
    }
    if (::rmdir(path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoToStatus(errno, absl::StrCat(path, ": rmdir"));
    }
    return absl::OkStatus();
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoToStatus(errno, absl::StrCat(path, ": unlink"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoToStatus(errno, absl::StrCat(dir, ": opendir"));
  std::vector<std::string> names;
  while (struct dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  return names;
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

absl::StatusOr<FileVersion> StatFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoToStatus(errno, absl::StrCat(path, ": stat"));
  FileVersion version;
  version.inode = st.st_ino;
  version.size = st.st_size;
  version.mtime_nanos = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  return version;
}

absl::StatusOr<std::unique_ptr<WritableFile>> WritableFile::Create(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat(path, ": create"));
  return std::unique_ptr<WritableFile>(new WritableFile(path, fd));
}

WritableFile::~WritableFile() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status WritableFile::Append(absl::string_view data) {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(path_, ": already closed"));
  FLN_RETURN_IF_ERROR(WriteAll(fd_, data, path_));
  size_ += static_cast<int64_t>(data.size());
  return absl::OkStatus();
}

absl::Status WritableFile::SyncAndClose() {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(path_, ": already closed"));
  absl::Status status;
  if (::fsync(fd_) != 0) status = ErrnoToStatus(errno, absl::StrCat(path_, ": fsync"));
  if (::close(fd_) != 0 && status.ok()) status = ErrnoToStatus(errno, absl::StrCat(path_, ": close"));
  fd_ = -1;
  return status;
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
