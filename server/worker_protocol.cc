#include "server/worker_protocol.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace fln {

std::string EncodeWorkerLine(const v1::WorkerMessage& message) {
  return absl::StrCat(kWorkerLinePrefix, absl::Base64Escape(message.SerializeAsString()), "\n");
}

absl::StatusOr<std::optional<v1::WorkerMessage>> DecodeWorkerLine(absl::string_view line) {
  if (!absl::ConsumePrefix(&line, kWorkerLinePrefix)) return std::nullopt;
  absl::ConsumeSuffix(&line, "\n");
  std::string bytes;
  v1::WorkerMessage message;
  if (!absl::Base64Unescape(line, &bytes) || !message.ParseFromString(bytes)) {
    return absl::DataLossError(
        absl::StrCat("a worker message of ", line.size(), " characters does not decode"));
  }
  return message;
}

}  // namespace fln
