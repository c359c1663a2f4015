// File: text_proto.h
//
// Loads protobuf text format files, such as the model and schedule files of
// `fln submit` (examples/*.textproto). Errors carry the file name and the
// line and column protobuf reports:
//   "examples/x.textproto:3:9: Message type "fln.v1.Schedule" has no field named "epoch"."
#ifndef FLN_CLIENT_TEXT_PROTO_H_
#define FLN_CLIENT_TEXT_PROTO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace fln {
namespace client {

// Parses `text` into `message` (cleared first). `source` names the text in
// errors. Returns INVALID_ARGUMENT for a syntax error, an unknown field or
// enum value, or a value out of its field's range.
absl::Status ParseTextProto(absl::string_view text, absl::string_view source,
                            google::protobuf::Message* message);

// Reads `path` and parses it with ParseTextProto. Returns NOT_FOUND if the
// file does not exist, another errno-derived code if it cannot be read.
absl::Status LoadTextProtoFile(const std::string& path, google::protobuf::Message* message);

// The whole file at `path`. Errors as for LoadTextProtoFile, prefixed with
// the path.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace client
}  // namespace fln

#endif  // FLN_CLIENT_TEXT_PROTO_H_
