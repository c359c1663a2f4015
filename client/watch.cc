#include "client/watch.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "client/connection.h"

namespace fln {
namespace client {

bool IsTerminal(v1::JobState state) {
  return state == v1::SUCCEEDED || state == v1::FAILED || state == v1::CANCELLED;
}

// UNAVAILABLE: the server is draining, restarting or unreachable.
// CANCELLED: a call that reached a server in its shutdown grace period is
// cancelled by gRPC itself (this client never cancels a watch).
bool IsRetryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kCancelled;
}

absl::StatusOr<WatchOutcome> WatchJob(v1::Jobs::StubInterface* stub, const std::string& job_id,
                                      const WatchOptions& options,
                                      const std::function<void(const v1::JobEvent&)>& on_event) {
  WatchOutcome outcome;
  int64_t next_sequence = options.from_sequence;
  std::optional<absl::Time> broken_since;
  absl::Duration backoff = options.initial_backoff;
  while (true) {
    grpc::ClientContext context;
    v1::WatchJobRequest request;
    request.set_job_id(job_id);
    request.set_from_sequence(next_sequence);
    std::unique_ptr<grpc::ClientReaderInterface<v1::JobEvent>> reader =
        stub->Watch(&context, request);
    v1::JobEvent event;
    while (reader->Read(&event)) {
      broken_since.reset();
      backoff = options.initial_backoff;
      if (event.has_heartbeat()) continue;
      // The server promises no duplicates; a replay overlapping a reconnect
      // must still never reach the caller twice.
      if (event.sequence() <= outcome.last_sequence) continue;
      outcome.last_sequence = event.sequence();
      next_sequence = event.sequence() + 1;
      if (event.has_state() && IsTerminal(event.state().state())) {
        outcome.saw_end = true;
        outcome.end = event.state();
      }
      on_event(event);
    }
    const absl::Status status = FromGrpc(reader->Finish());
    if (status.ok()) return outcome;
    if (status.code() == absl::StatusCode::kOutOfRange && outcome.reconnects > 0) {
      return outcome;
    }
    if (!IsRetryable(status)) return status;
    const absl::Time now = options.now();
    if (!broken_since.has_value()) broken_since = now;
    if (now - *broken_since >= options.max_reconnect_time) {
      return absl::Status(status.code(),
                          absl::StrCat(status.message(), " (gave up reconnecting after ",
                                       absl::FormatDuration(options.max_reconnect_time), ")"));
    }
    if (options.on_reconnect) options.on_reconnect(status, next_sequence);
    options.sleep(backoff);
    backoff = std::min(2 * backoff, options.max_backoff);
    ++outcome.reconnects;
  }
}

}  // namespace client
}  // namespace fln
