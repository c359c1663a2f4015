#include "dashboard/json_convert.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace fln {
namespace dashboard {

namespace {

// `text` as a quoted JSON string; protobuf does the escaping.
std::string QuotedJson(const std::string& text) {
  google::protobuf::Value value;
  value.set_string_value(text);
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(value, &json).ok()) return "\"\"";
  return json;
}

}  // namespace

std::string ErrorJson(const absl::Status& status) {
  // Built by hand so the members keep their order (a Struct's do not).
  return absl::StrCat(R"({"error":{"code":)", QuotedJson(absl::StatusCodeToString(status.code())),
                      R"(,"message":)", QuotedJson(std::string(status.message())), "}}");
}

absl::StatusOr<v1::PredictRequest> ParsePredictRequest(absl::string_view body,
                                                       const std::string& model_id) {
  v1::PredictRequest request;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), &request, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the predict body must be {\"inputs\":[numbers...]}: ", status.ToString()));
  }
  if (request.inputs_size() == 0) {
    return absl::InvalidArgumentError("the predict body's \"inputs\" is empty");
  }
  request.set_model_id(model_id);
  if (request.num_samples() == 0) request.set_num_samples(1);
  return request;
}

}  // namespace dashboard
}  // namespace fln
