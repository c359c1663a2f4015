#include "dashboard/sse.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/json_output.h"
#include "dashboard/json_convert.h"

namespace fln {
namespace dashboard {
namespace {

absl::StatusOr<int64_t> ParseSequence(absl::string_view name, absl::string_view text) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be a non-negative integer, got \"", text, "\""));
  }
  return value;
}

const char* EventName(const v1::JobEvent& event) {
  switch (event.kind_case()) {
    case v1::JobEvent::kMetrics: return "metrics";
    case v1::JobEvent::kState: return "state";
    case v1::JobEvent::kCheckpoint: return "checkpoint";
    case v1::JobEvent::kResumed: return "resumed";
    default: return "other";
  }
}

}  // namespace

absl::StatusOr<int64_t> FirstSequence(absl::string_view last_event_id, absl::string_view from) {
  if (!last_event_id.empty()) {
    absl::StatusOr<int64_t> last = ParseSequence("Last-Event-ID", last_event_id);
    if (!last.ok()) return last.status();
    return *last + 1;
  }
  if (!from.empty()) return ParseSequence("from", from);
  return 1;
}

absl::StatusOr<std::string> SseForEvent(const v1::JobEvent& event) {
  if (event.has_heartbeat()) return std::string(": heartbeat\n\n");
  absl::StatusOr<std::string> json = client::ProtoToJson(event);
  if (!json.ok()) return json.status();
  // Printed JSON has no newlines, so one data line carries it.
  return absl::StrCat("id: ", event.sequence(), "\nevent: ", EventName(event), "\ndata: ", *json,
                      "\n\n");
}

std::string SseEnd() { return "event: end\ndata: {}\n\n"; }

std::string SseError(const absl::Status& status) {
  return absl::StrCat("event: fln-error\ndata: ", ErrorJson(status), "\n\n");
}

}  // namespace dashboard
}  // namespace fln
