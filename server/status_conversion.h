// File: status_conversion.h
//
// The one place where fln's absl::Status values become grpc::Status at the
// RPC boundary (TF Serving's ToGRPCStatus). The two code enums share their
// numeric values (both are google.rpc.Code), so the code is kept as is and
// the message is copied, cut at kMaxStatusMessageBytes.
//
//   grpc::Status JobsServiceImpl::Get(...) {
//     absl::StatusOr<v1::Job> job = manager_->Get(request->id());
//     if (!job.ok()) return ToGrpcStatus(job.status());
//     ...
//   }
#ifndef FLN_SERVER_STATUS_CONVERSION_H_
#define FLN_SERVER_STATUS_CONVERSION_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace fln {

// Longest message that reaches a client (then "... (truncated)").
inline constexpr size_t kMaxStatusMessageBytes = 1024;

// OK maps to grpc::Status::OK; any other code keeps its number and message
// (at most kMaxStatusMessageBytes of it).
grpc::Status ToGrpcStatus(const absl::Status& status);

// The inverse, for clients and tests that call through a stub.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace fln

#endif  // FLN_SERVER_STATUS_CONVERSION_H_
