// File: watch.h
//
// Follows a job's event stream (Jobs.Watch) to its end, surviving broken
// streams: when the stream fails with UNAVAILABLE (server restarting or
// draining, network blip) or CANCELLED (a call that reached a server in its
// shutdown grace period) it reconnects with from_sequence = last seen + 1,
// so every stored event reaches the caller exactly once and in order.
// Heartbeats keep the stream alive and are not passed on.
//
//   WatchOptions options;
//   options.from_sequence = 1;
//   absl::StatusOr<WatchOutcome> outcome = WatchJob(
//       &stub, job_id, options, [](const v1::JobEvent& e) { Print(e); });
#ifndef FLN_CLIENT_WATCH_H_
#define FLN_CLIENT_WATCH_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "proto/service.grpc.pb.h"

namespace fln {
namespace client {

struct WatchOptions {
  // First event wanted (0 or 1: from the start).
  int64_t from_sequence = 0;
  // How long to keep reconnecting after the stream broke (measured from the
  // break; any message received, heartbeats included, resets it).
  absl::Duration max_reconnect_time = absl::Seconds(30);
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(2);
  // Seams for tests.
  std::function<absl::Time()> now = [] { return absl::Now(); };
  std::function<void(absl::Duration)> sleep = [](absl::Duration d) { absl::SleepFor(d); };
  // Told about each reconnect: the error that broke the stream and the
  // sequence asked for next.
  std::function<void(const absl::Status&, int64_t)> on_reconnect;
};

struct WatchOutcome {
  int64_t last_sequence = 0;  // newest event passed on, 0 if none
  // The job's terminal StateChange, if the stream carried it (a watch that
  // starts past it, or races the end across a reconnect, may not see it).
  bool saw_end = false;
  v1::StateChange end;
  int reconnects = 0;
};

// SUCCEEDED, FAILED or CANCELLED: the job will not change again.
bool IsTerminal(v1::JobState state);

// Streams `job_id`'s events to `on_event` until the server closes the
// stream with OK (the job ended). Returns the server's error otherwise
// (NOT_FOUND, OUT_OF_RANGE for a start past the end, ...), or the last
// UNAVAILABLE/CANCELLED once reconnecting has taken longer than
// max_reconnect_time.
// An OUT_OF_RANGE on a reconnect means every event was already seen (the job
// ended in between), so it counts as the end.
absl::StatusOr<WatchOutcome> WatchJob(v1::Jobs::StubInterface* stub, const std::string& job_id,
                                      const WatchOptions& options,
                                      const std::function<void(const v1::JobEvent&)>& on_event);

}  // namespace client
}  // namespace fln

#endif  // FLN_CLIENT_WATCH_H_
