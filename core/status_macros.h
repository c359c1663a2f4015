// File: status_macros.h
//
// RETURN_IF_ERROR and ASSIGN_OR_RETURN for absl::Status / absl::StatusOr.
// Debian's Abseil (20220623) ships no status macros, so fln defines its own.
//
//   absl::StatusOr<Dataset> Load(const std::string& path) {
//     FLN_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
//     FLN_RETURN_IF_ERROR(Validate(bytes));
//     ...
//   }
#ifndef FLN_CORE_STATUS_MACROS_H_
#define FLN_CORE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define FLN_RETURN_IF_ERROR(expr)                 \
  do {                                            \
    const ::absl::Status fln_status_ = (expr);    \
    if (!fln_status_.ok()) return fln_status_;    \
  } while (0)

#define FLN_STATUS_CONCAT_INNER_(a, b) a##b
#define FLN_STATUS_CONCAT_(a, b) FLN_STATUS_CONCAT_INNER_(a, b)

#define FLN_ASSIGN_OR_RETURN(lhs, expr) \
  FLN_ASSIGN_OR_RETURN_IMPL_(FLN_STATUS_CONCAT_(fln_statusor_, __LINE__), lhs, expr)

#define FLN_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return statusor.status();         \
  lhs = std::move(statusor).value()

#endif  // FLN_CORE_STATUS_MACROS_H_
