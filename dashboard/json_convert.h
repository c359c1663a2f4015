// File: json_convert.h
//
// JSON in and out of the dashboard's HTTP API. Protos go out through
// client::ProtoToJson, as `fln --json` prints them (client/json_output.h): proto
// field names, enums as names, zero values included, 64-bit integers as
// strings (the pages read them with Number()). Figures a MetricRecord does
// not carry stay -1, as on the wire.
//
//   absl::StatusOr<std::string> json = client::ProtoToJson(job);
//   absl::StatusOr<v1::PredictRequest> request =
//       ParsePredictRequest(R"({"inputs":[0,0,255,...]})", "j-1");
#ifndef FLN_DASHBOARD_JSON_CONVERT_H_
#define FLN_DASHBOARD_JSON_CONVERT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "proto/service.pb.h"

namespace fln {
namespace dashboard {

// {"error":{"code":"NOT_FOUND","message":"..."}}, the body of every failed call.
std::string ErrorJson(const absl::Status& status);

// The body of POST /api/models/ID/predict: {"inputs":[...], "num_samples":N}
// with N optional (default 1), inputs raw (0..255 for an image), row-major.
// INVALID_ARGUMENT if the body is not such JSON or inputs is empty; flnd
// checks the width against the model.
absl::StatusOr<v1::PredictRequest> ParsePredictRequest(absl::string_view body,
                                                       const std::string& model_id);

}  // namespace dashboard
}  // namespace fln

#endif  // FLN_DASHBOARD_JSON_CONVERT_H_
