// File: sse.h
//
// Server-sent events (the HTML "text/event-stream" format) for a job's event
// stream. Each stored JobEvent becomes one SSE message whose `id` is the
// event's sequence number, so a browser's EventSource, reconnecting after a
// break, sends it back as the Last-Event-ID header and the stream resumes
// right after it: no gap, no duplicate.
//
//   GET /api/jobs/ID/events                    -> from sequence 1
//   GET /api/jobs/ID/events  Last-Event-ID: 41 -> from sequence 42
//   GET /api/jobs/ID/events?from=10            -> from sequence 10
//
//   id: 42
//   event: metrics            (or state, checkpoint, resumed)
//   data: {"sequence":"42","job_id":"j-1",...,"metrics":{...}}
//
// Heartbeats become comments (": heartbeat"): no id, so they do not move
// Last-Event-ID. The stream ends with an "end" message (the job ended) or a
// "fln-error" message carrying the error JSON (not "error", which is
// EventSource's own connection-error event).
#ifndef FLN_DASHBOARD_SSE_H_
#define FLN_DASHBOARD_SSE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/service.pb.h"

namespace fln {
namespace dashboard {

// The first sequence to stream: Last-Event-ID + 1 when the header is set
// (it wins over the query: EventSource resends it on every reconnect), else
// the `from` query parameter, else 1. INVALID_ARGUMENT for a value that is
// not a non-negative integer.
absl::StatusOr<int64_t> FirstSequence(absl::string_view last_event_id, absl::string_view from);

// One SSE message for the event (a comment for a heartbeat). INTERNAL if the
// event cannot be printed as JSON.
absl::StatusOr<std::string> SseForEvent(const v1::JobEvent& event);

// "event: end", sent once the job ended and every event was sent.
std::string SseEnd();

// "event: fln-error" with ErrorJson(status) as data.
std::string SseError(const absl::Status& status);

}  // namespace dashboard
}  // namespace fln

#endif  // FLN_DASHBOARD_SSE_H_
