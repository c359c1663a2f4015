// File: json_output.h
//
// Machine-readable output for `fln --json`: one JSON object per line. Protos
// are printed with protobuf's JSON mapping (proto field names, enums as their
// names, zero values included, 64-bit integers as strings); the CLI's own
// objects (watch events, predictions, evaluation) are built with JsonObject,
// where every number is a JSON number and a missing figure is null.
//
//   JsonObject o;
//   o.AddString("id", job.id()).AddInt("epoch", 3).AddDouble("loss", 0.41);
//   std::cout << o.str() << "\n";   // {"id":"j1","epoch":3,"loss":0.41}
#ifndef FLN_CLIENT_JSON_OUTPUT_H_
#define FLN_CLIENT_JSON_OUTPUT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/message.h"

namespace fln {
namespace client {

// `text` as a quoted JSON string, with quotes, backslashes and control
// characters escaped (bytes >= 0x80 pass through: the input is UTF-8).
std::string JsonString(absl::string_view text);

// The shortest decimal that reads back as `value`; "null" for NaN or an
// infinity (JSON has neither).
std::string JsonNumber(double value);

// The same for a float: the shortest decimal that reads back as `value`
// as a float (0.1f prints as 0.1, not 0.10000000149011612).
std::string JsonFloat(float value);

// A JSON object built key by key, in insertion order. Keys are not checked
// for duplicates.
class JsonObject {
 public:
  JsonObject& AddString(absl::string_view key, absl::string_view value);
  JsonObject& AddInt(absl::string_view key, int64_t value);
  JsonObject& AddDouble(absl::string_view key, double value);
  // `value` if it is >= 0 and finite, else null: the wire's "not available"
  // figures are negative (core/train.h ProgressReport).
  JsonObject& AddDoubleOrNull(absl::string_view key, double value);
  JsonObject& AddBool(absl::string_view key, bool value);
  JsonObject& AddNull(absl::string_view key);
  JsonObject& AddDoubleArray(absl::string_view key, absl::Span<const double> values);
  JsonObject& AddFloatArray(absl::string_view key, absl::Span<const float> values);
  // `json` must already be valid JSON (an object, array, number...).
  JsonObject& AddRaw(absl::string_view key, absl::string_view json);

  std::string str() const;

 private:
  void AddKey(absl::string_view key);
  std::string body_;
};

// The proto as one line of JSON (proto field names, defaults included).
// Returns INTERNAL if protobuf cannot print it.
absl::StatusOr<std::string> ProtoToJson(const google::protobuf::Message& message);

// Adds `"key":value_json` as the first member of the JSON object `object`
// (as printed by ProtoToJson or JsonObject). REQUIRES: `object` starts with
// '{' and ends with '}'.
std::string PrependMember(absl::string_view object, absl::string_view key,
                          absl::string_view value_json);

}  // namespace client
}  // namespace fln

#endif  // FLN_CLIENT_JSON_OUTPUT_H_
