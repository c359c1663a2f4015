#include "server/mpi_job_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <deque>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "core/status_macros.h"
#include "server/file_util.h"
#include "server/logging.h"
#include "server/worker_protocol.h"

namespace fln {
namespace {

// mpirun's last lines of output are kept for the error message of a run
// that ends without a result.
constexpr size_t kTailLines = 12;
constexpr int kPollMillis = 50;

bool IsExecutableFile(const std::string& path) {
  return access(path.c_str(), X_OK) == 0 && Env::Default()->PathExists(path) &&
         !Env::Default()->IsDirectory(path);
}

// `program` itself if it names a path, else its first match in PATH; empty
// if there is none.
std::string FindExecutable(const std::string& program) {
  if (absl::StrContains(program, '/')) return IsExecutableFile(program) ? program : "";
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path != nullptr ? path : "", ':')) {
    if (dir.empty()) continue;
    std::string candidate = absl::StrCat(dir, "/", program);
    if (IsExecutableFile(candidate)) return candidate;
  }
  return "";
}

struct Child {
  pid_t pid = -1;
  int input = -1;   // the child's standard input
  int output = -1;  // its standard output
  int errors = -1;  // its standard error
};

// Starts argv[0] with pipes for its standard streams. The child gets SIGTERM
// when the calling thread ends (so mpirun stops its ranks if flnd dies), an
// empty signal mask (flnd blocks SIGTERM in every thread) and no other open
// file descriptors (a worker holding flnd's listening socket would keep the
// port busy after flnd exits).
absl::StatusOr<Child> Spawn(const std::vector<std::string>& argv) {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    const int error = errno;
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
      if (fd >= 0) close(fd);
    }
    return absl::InternalError(absl::StrCat("pipe failed: errno ", error));
  }
  // Everything the child needs is built before fork: after it, in a
  // multi-threaded process, only async-signal-safe calls are allowed.
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);  // flnd died before prctl
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
      const long max_fd = sysconf(_SC_OPEN_MAX);
      for (long fd = 3; fd < (max_fd > 0 ? max_fd : 65536); ++fd) close(static_cast<int>(fd));
    }
    execv(args[0], args.data());
    _exit(127);
  }
  for (int fd : {in[0], out[1], err[1]}) close(fd);
  if (pid < 0) {
    for (int fd : {in[1], out[0], err[0]}) close(fd);
    return absl::InternalError(absl::StrCat("fork failed: errno ", errno));
  }
  return Child{pid, in[1], out[0], err[0]};
}

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exited with status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("was killed by signal ", WTERMSIG(status));
  return absl::StrCat("ended with wait status ", status);
}

// mpirun frames its reports with lines of dashes; they say nothing.
bool IsInformative(absl::string_view line) {
  return line.find_first_not_of("- \t\r") != absl::string_view::npos;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MpiJobLauncher>> MpiJobLauncher::Create(const Options& options) {
  Options resolved = options;
  resolved.mpirun = FindExecutable(options.mpirun);
  if (resolved.mpirun.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--mpirun: '", options.mpirun,
                     "' is not an executable (install openmpi-bin or give its path)"));
  }
  if (!IsExecutableFile(options.worker_binary)) {
    return absl::FailedPreconditionError(
        absl::StrCat("--worker_binary: '", options.worker_binary, "' is not an executable file"));
  }
  if (options.max_processes < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_processes must be >= 2, got ", options.max_processes));
  }
  FLN_RETURN_IF_ERROR(CreateDirectories(options.env, options.task_dir));
  // A write to the pipe of a worker that just exited must fail with EPIPE,
  // not end flnd.
  signal(SIGPIPE, SIG_IGN);
  return std::unique_ptr<MpiJobLauncher>(new MpiJobLauncher(resolved));
}

std::vector<std::string> MpiJobLauncher::CommandLine(const v1::WorkerTask& task,
                                                     const std::string& task_path) const {
  std::vector<std::string> argv = {options_.mpirun};
  argv.insert(argv.end(), options_.mpirun_args.begin(), options_.mpirun_args.end());
  if (!options_.hostfile.empty()) {
    argv.push_back("--hostfile");
    argv.push_back(options_.hostfile);
  }
  argv.push_back("-np");
  argv.push_back(absl::StrCat(task.job().processes()));
  argv.push_back(options_.worker_binary);
  argv.push_back(absl::StrCat("--task=", task_path));
  argv.push_back(absl::StrCat("--job=", task.job().id()));  // names the job in `ps`
  return argv;
}

absl::Status MpiJobLauncher::Run(const v1::WorkerTask& task, const Callbacks& callbacks) {
  const std::string& id = task.job().id();
  const std::string task_path = absl::StrCat(options_.task_dir, "/", id, ".task");
  FLN_RETURN_IF_ERROR(WriteFileAtomically(options_.env, task_path, task.SerializeAsString()));
  const std::vector<std::string> argv = CommandLine(task, task_path);
  Log(absl::StrCat("job ", id, ": ", absl::StrJoin(argv, " ")));
  absl::StatusOr<Child> child = Spawn(argv);
  if (!child.ok()) {
    options_.env->RemoveRecursively(task_path).IgnoreError();
    return child.status();
  }

  std::deque<std::string> tail;
  std::optional<v1::WorkerResult> result;
  absl::Status callback_error;
  auto handle_line = [&](absl::string_view line, bool from_stdout) {
    if (from_stdout) {
      absl::StatusOr<std::optional<v1::WorkerMessage>> message = DecodeWorkerLine(line);
      if (!message.ok()) {
        if (callback_error.ok()) callback_error = message.status();
        return;
      }
      if (message->has_value()) {
        const v1::WorkerMessage& m = **message;
        // After a failed checkpoint the run is over for flnd, as in process:
        // what the workers send until they stop is not recorded.
        if (callback_error.ok() && m.has_metrics() && callbacks.on_metrics) {
          callbacks.on_metrics(m.metrics());
        }
        if (callback_error.ok() && m.has_checkpoint() && callbacks.on_checkpoint) {
          callback_error = callbacks.on_checkpoint(m.checkpoint());
        }
        if (m.has_result()) result = m.result();
        return;
      }
    }
    if (!IsInformative(line)) return;
    Log(absl::StrCat("job ", id, " workers: ", line));
    tail.emplace_back(line);
    if (tail.size() > kTailLines) tail.pop_front();
  };

  struct Stream {
    int fd;
    bool from_stdout;
    std::string pending;
  };
  Stream streams[2] = {{child->output, true, ""}, {child->errors, false, ""}};
  bool cancel_sent = false;
  absl::Time terminate_at = absl::InfiniteFuture(), kill_at = absl::InfiniteFuture();
  bool user_cancel = false;
  while (streams[0].fd >= 0 || streams[1].fd >= 0) {
    const bool cancelled = callbacks.cancel != nullptr && callbacks.cancel->load();
    if ((cancelled || !callback_error.ok()) && !cancel_sent) {
      user_cancel = cancelled;
      const std::string line = absl::StrCat(kCancelLine, "\n");
      if (write(child->input, line.data(), line.size()) < 0) {
        Log(absl::StrCat("job ", id, ": could not send cancel to the workers: errno ", errno));
      }
      cancel_sent = true;
      terminate_at = absl::Now() + options_.stop_grace;
      kill_at = terminate_at + absl::Seconds(5);
    }
    const absl::Time now = absl::Now();
    if (now >= terminate_at) {
      Log(absl::StrCat("job ", id, ": workers did not stop within ",
                       absl::FormatDuration(options_.stop_grace), "; terminating mpirun"));
      kill(child->pid, SIGTERM);
      terminate_at = absl::InfiniteFuture();
    }
    if (now >= kill_at) {
      kill(child->pid, SIGKILL);
      kill_at = absl::InfiniteFuture();
    }
    pollfd fds[2];
    int n = 0;
    Stream* polled[2];
    for (Stream& s : streams) {
      if (s.fd < 0) continue;
      fds[n] = {s.fd, POLLIN, 0};
      polled[n++] = &s;
    }
    if (poll(fds, n, kPollMillis) < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      Stream& s = *polled[i];
      char buffer[1 << 16];
      const ssize_t got = read(s.fd, buffer, sizeof(buffer));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        if (!s.pending.empty()) handle_line(s.pending, s.from_stdout);
        close(s.fd);
        s.fd = -1;
        continue;
      }
      // Only the new bytes can hold a newline: a checkpoint line of
      // megabytes arrives in many reads and must not be rescanned each time.
      const size_t scanned = s.pending.size();
      s.pending.append(buffer, static_cast<size_t>(got));
      size_t start = 0;
      for (size_t end; (end = s.pending.find('\n', std::max(start, scanned))) != std::string::npos;
           start = end + 1) {
        handle_line(absl::string_view(s.pending).substr(start, end - start), s.from_stdout);
      }
      s.pending.erase(0, start);
    }
  }
  for (Stream& s : streams) {
    if (s.fd >= 0) close(s.fd);
  }
  close(child->input);
  int status = 0;
  while (waitpid(child->pid, &status, 0) < 0 && errno == EINTR) {
  }
  options_.env->RemoveRecursively(task_path).IgnoreError();

  if (!callback_error.ok()) return callback_error;
  if (result.has_value()) {
    return absl::Status(static_cast<absl::StatusCode>(result->code()), result->message());
  }
  if (user_cancel) {
    return absl::CancelledError(
        absl::StrCat("cancelled; the workers were stopped (mpirun ", DescribeExit(status), ")"));
  }
  return absl::AbortedError(
      absl::StrCat("the job's worker processes ended without finishing (mpirun ",
                   DescribeExit(status), ")", tail.empty() ? "" : ": ", absl::StrJoin(tail, " ")));
}

}  // namespace fln
