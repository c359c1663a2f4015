#include "client/command.h"

#include "client/json_output.h"
#include "core/status_macros.h"

namespace fln {
namespace client {

void CommandContext::Print(absl::string_view line) const {
  *out << line << "\n";
  out->flush();
}

absl::Status CommandContext::PrintProto(const google::protobuf::Message& message,
                                        absl::string_view human) const {
  if (!json) {
    Print(human);
    return absl::OkStatus();
  }
  FLN_ASSIGN_OR_RETURN(const std::string line, ProtoToJson(message));
  Print(line);
  return absl::OkStatus();
}

void CommandContext::Note(absl::string_view line) const {
  *err << line << "\n";
  err->flush();
}

}  // namespace client
}  // namespace fln
