// Env::Default(): POSIX files and the real clock.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/status_macros.h"
#include "server/env.h"

namespace fln {
namespace {

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

class PosixWritableFile : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  absl::Status Append(absl::string_view data) override {
    if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(path_, ": already closed"));
    FLN_RETURN_IF_ERROR(WriteAll(fd_, data, path_));
    size_ += static_cast<int64_t>(data.size());
    return absl::OkStatus();
  }

  absl::Status SyncAndClose() override {
    if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(path_, ": already closed"));
    absl::Status status;
    if (::fsync(fd_) != 0) status = ErrnoToStatus(errno, absl::StrCat(path_, ": fsync"));
    if (::close(fd_) != 0 && status.ok()) {
      status = ErrnoToStatus(errno, absl::StrCat(path_, ": close"));
    }
    fd_ = -1;
    return status;
  }

  int64_t size() const override { return size_; }
  const std::string& path() const override { return path_; }

 private:
  const std::string path_;
  int fd_;
  int64_t size_ = 0;
};

class PosixFileLock : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override { ::close(fd_); }  // releases the flock

 private:
  const int fd_;
};

class PosixEnv : public Env {
 public:
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                                bool exclusive) override {
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
    const int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return ErrnoToStatus(errno, absl::StrCat(path, ": create"));
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd));
  }

  absl::Status ReadFileInChunks(
      const std::string& path, size_t chunk_bytes,
      const std::function<absl::Status(absl::string_view)>& sink) override {
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

  absl::Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return ErrnoToStatus(errno, absl::StrCat(to, ": rename from ", from));
    }
    return absl::OkStatus();
  }

  absl::Status SyncDirectory(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoToStatus(errno, absl::StrCat(dir, ": open directory"));
    absl::Status status;
    if (::fsync(fd) != 0) status = ErrnoToStatus(errno, absl::StrCat(dir, ": fsync directory"));
    ::close(fd);
    return status;
  }

  absl::Status CreateDir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0755) != 0)
      return ErrnoToStatus(errno, absl::StrCat(path, ": mkdir"));
    return absl::OkStatus();
  }

  absl::Status RemoveRecursively(const std::string& path) override {
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

  absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) override {
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

  absl::StatusOr<FileVersion> StatFile(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoToStatus(errno, absl::StrCat(path, ": stat"));
    FileVersion version;
    version.inode = st.st_ino;
    version.size = st.st_size;
    version.mtime_nanos = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    return version;
  }

  bool IsDirectory(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }

  bool PathExists(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }

  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoToStatus(errno, absl::StrCat(path, ": open"));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return absl::FailedPreconditionError(absl::StrCat(path, " is locked by another process"));
    }
    return std::unique_ptr<FileLock>(new PosixFileLock(fd));
  }

  int64_t NowMicros() override { return absl::ToUnixMicros(absl::Now()); }
};

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

Env* Env::Default() {
  static Env* const env = new PosixEnv();
  return env;
}

}  // namespace fln
