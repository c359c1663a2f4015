#include "client/text_proto.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "client/user_path.h"
#include "core/status_macros.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace fln {
namespace client {
namespace {

// Keeps the first error protobuf reports, with its 1-based position.
class FirstErrorCollector final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (error_.empty()) error_ = absl::StrCat(line + 1, ":", column + 1, ": ", message);
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

}  // namespace

absl::Status ParseTextProto(absl::string_view text, absl::string_view source,
                            google::protobuf::Message* message) {
  message->Clear();
  FirstErrorCollector errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), message)) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ":", errors.error().empty() ? "invalid text proto" : errors.error(),
        " (expected a ", message->GetTypeName(), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::ifstream in(ResolveUserPath(path), std::ios::binary);
  if (!in) {
    const int error = errno;
    const std::string reason = absl::StrCat(path, ": ", std::strerror(error));
    if (error == ENOENT) return absl::NotFoundError(reason);
    if (error == EACCES) return absl::PermissionDeniedError(reason);
    return absl::FailedPreconditionError(reason);
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return absl::FailedPreconditionError(absl::StrCat(path, ": read failed"));
  return contents.str();
}

absl::Status LoadTextProtoFile(const std::string& path, google::protobuf::Message* message) {
  FLN_ASSIGN_OR_RETURN(const std::string text, ReadFileToString(path));
  return ParseTextProto(text, path, message);
}

}  // namespace client
}  // namespace fln
