// fln_dashboard: the web dashboard of fln, a separate process that serves
// HTTP and talks to flnd over gRPC as a client, like the `fln` CLI.
//
// Why a process of its own rather than a flag of flnd: HTTP parsing and
// browser connections stay out of the training server's failure domain and
// threads (a bug or a flood here cannot stall a training job or the gRPC
// API), flnd needs no new port, privileges or dependencies, and the dashboard
// can run on another machine, with its own token, wherever the CLI could.
//
//   fln_dashboard --flnd=127.0.0.1:50051 --listen=127.0.0.1:8080
//
// Prints "fln_dashboard listening on http://HOST:PORT" on stdout once it
// accepts connections (--listen=HOST:0 picks a free port). SIGTERM or SIGINT
// cancels the open event streams and stops it.
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "dashboard/flnd_client.h"
#include "dashboard/http_api.h"

ABSL_FLAG(std::string, flnd, "127.0.0.1:50051", "flnd's HOST:PORT");
ABSL_FLAG(std::string, listen, "127.0.0.1:8080",
          "HOST:PORT to serve HTTP on; port 0 picks one");
ABSL_FLAG(std::string, token_file, "",
          "file holding the token sent to flnd as \"authorization: Bearer TOKEN\"");
ABSL_FLAG(std::string, ca_cert, "", "PEM CA that signed flnd's certificate: connect with TLS");
ABSL_FLAG(bool, insecure, false,
          "allow a non-loopback --listen: the dashboard has no login of its own, and anyone "
          "who reaches it can do what its flnd token allows (cancel jobs, read models)");
ABSL_FLAG(int, http_threads, 32,
          "HTTP worker threads; each open job page holds one for its event stream");

namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "HOST:PORT" -> host and port. INVALID_ARGUMENT otherwise.
absl::Status SplitHostPort(const std::string& address, std::string* host, int* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), port) || *port < 0 || *port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen must be HOST:PORT, got \"", address, "\""));
  }
  *host = address.substr(0, colon);
  return absl::OkStatus();
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "fln_dashboard: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("fln_dashboard: the web dashboard of an fln server (flnd)");
  absl::ParseCommandLine(argc, argv);

  // Only the sigwait thread below receives the shutdown signals.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A browser that closes a page mid-write must not kill the process.
  signal(SIGPIPE, SIG_IGN);

  fln::dashboard::FlndClient::Options options;
  options.address = absl::GetFlag(FLAGS_flnd);
  if (!absl::GetFlag(FLAGS_token_file).empty()) {
    absl::StatusOr<std::string> token = ReadFile(absl::GetFlag(FLAGS_token_file));
    if (!token.ok()) return Fail(token.status());
    options.token = std::string(absl::StripAsciiWhitespace(*token));
  }
  if (!absl::GetFlag(FLAGS_ca_cert).empty()) {
    absl::StatusOr<std::string> ca = ReadFile(absl::GetFlag(FLAGS_ca_cert));
    if (!ca.ok()) return Fail(ca.status());
    options.ca_cert = *ca;
  }
  absl::StatusOr<std::unique_ptr<fln::dashboard::FlndClient>> flnd =
      fln::dashboard::FlndClient::Create(options);
  if (!flnd.ok()) return Fail(flnd.status());

  std::string host;
  int port = 0;
  if (absl::Status s = SplitHostPort(absl::GetFlag(FLAGS_listen), &host, &port); !s.ok()) {
    return Fail(s);
  }
  if (!IsLoopback(host) && !absl::GetFlag(FLAGS_insecure)) {
    return Fail(absl::FailedPreconditionError(absl::StrCat(
        "--listen=", absl::GetFlag(FLAGS_listen),
        " is not loopback; the dashboard has no login, so put it behind an authenticating "
        "proxy and pass --insecure to confirm")));
  }
  httplib::Server server;
  const int threads = std::max(4, absl::GetFlag(FLAGS_http_threads));
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  fln::dashboard::RegisterHandlers(flnd->get(), &server);
  if (port == 0) {
    port = server.bind_to_any_port(host);
    if (port < 0) port = 0;
  } else if (!server.bind_to_port(host, port)) {
    port = 0;
  }
  if (port == 0) {
    return Fail(absl::UnavailableError(
        absl::StrCat("cannot listen on ", absl::GetFlag(FLAGS_listen))));
  }

  std::atomic<bool> listen_returned{false};
  std::thread signal_thread([&] {
    int received = 0;
    sigwait(&signals, &received);
    (*flnd)->Shutdown();  // ends the event streams, so their threads return
    // stop() is a no-op until listen_after_bind() runs: wait for it.
    while (!server.is_running() && !listen_returned.load()) absl::SleepFor(absl::Milliseconds(10));
    server.stop();
  });
  std::printf("fln_dashboard listening on http://%s:%d\n", host.c_str(), port);
  std::printf("fln_dashboard talks to flnd at %s\n", options.address.c_str());
  std::fflush(stdout);
  // Returns once the signal thread stopped the server, or on a socket error.
  const bool ok = server.listen_after_bind();
  listen_returned = true;
  // Wakes the signal thread if the server stopped by itself (harmless
  // otherwise: the signal stays blocked and pending until exit).
  kill(getpid(), SIGTERM);
  signal_thread.join();
  if (!ok) return Fail(absl::InternalError("the HTTP server failed"));
  return 0;
}
