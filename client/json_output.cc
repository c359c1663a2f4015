#include "client/json_output.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"

namespace fln {
namespace client {

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  // %.15g is exact for most figures people read (0.1 stays 0.1); fall back
  // to 17 digits only when 15 would not read back as the same double.
  std::string text = absl::StrFormat("%.15g", value);
  if (std::strtod(text.c_str(), nullptr) != value) text = absl::StrFormat("%.17g", value);
  return text;
}

std::string JsonFloat(float value) {
  if (!std::isfinite(value)) return "null";
  // A float widened to double prints as 0.10000000149011612; print the
  // shortest decimal that reads back as the same float instead.
  for (int digits = 6; digits < 9; ++digits) {
    std::string text = absl::StrFormat("%.*g", digits, value);
    if (std::strtof(text.c_str(), nullptr) == value) return text;
  }
  return absl::StrFormat("%.9g", value);
}

void JsonObject::AddKey(absl::string_view key) {
  if (!body_.empty()) body_ += ',';
  body_ += JsonString(key);
  body_ += ':';
}

JsonObject& JsonObject::AddString(absl::string_view key, absl::string_view value) {
  AddKey(key);
  body_ += JsonString(value);
  return *this;
}

JsonObject& JsonObject::AddInt(absl::string_view key, int64_t value) {
  AddKey(key);
  absl::StrAppend(&body_, value);
  return *this;
}

JsonObject& JsonObject::AddDouble(absl::string_view key, double value) {
  AddKey(key);
  body_ += JsonNumber(value);
  return *this;
}

JsonObject& JsonObject::AddDoubleOrNull(absl::string_view key, double value) {
  return value >= 0 ? AddDouble(key, value) : AddNull(key);
}

JsonObject& JsonObject::AddBool(absl::string_view key, bool value) {
  AddKey(key);
  body_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::AddNull(absl::string_view key) {
  AddKey(key);
  body_ += "null";
  return *this;
}

JsonObject& JsonObject::AddDoubleArray(absl::string_view key, absl::Span<const double> values) {
  AddKey(key);
  body_ += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) body_ += ',';
    body_ += JsonNumber(values[i]);
  }
  body_ += ']';
  return *this;
}

JsonObject& JsonObject::AddFloatArray(absl::string_view key, absl::Span<const float> values) {
  AddKey(key);
  body_ += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) body_ += ',';
    body_ += JsonFloat(values[i]);
  }
  body_ += ']';
  return *this;
}

JsonObject& JsonObject::AddRaw(absl::string_view key, absl::string_view json) {
  AddKey(key);
  body_.append(json.data(), json.size());
  return *this;
}

std::string JsonObject::str() const { return absl::StrCat("{", body_, "}"); }

absl::StatusOr<std::string> ProtoToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = false;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("cannot print ", message.GetTypeName(),
                                            " as JSON: ", status.ToString()));
  }
  return json;
}

std::string PrependMember(absl::string_view object, absl::string_view key,
                          absl::string_view value_json) {
  absl::string_view rest = object.substr(1);  // after '{'
  const bool empty = rest.size() == 1;        // just '}'
  return absl::StrCat("{", JsonString(key), ":", value_json, empty ? "" : ",", rest);
}

}  // namespace client
}  // namespace fln
