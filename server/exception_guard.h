// File: exception_guard.h
//
// The server's code reports failures as statuses, but the libraries under it
// (Eigen, the standard library, protobuf) can throw: std::bad_alloc above all,
// when a job or a request needs more memory than the machine has. An
// exception that escapes a job thread ends the process, and one that
// escapes an RPC handler reaches the client as UNKNOWN "Unexpected error in
// RPC handling". These guards turn them into statuses with a message, and log
// them, at the two places where work starts: job threads and RPC handlers.
//
//   Finish(id, StatusFromExceptions("job " + id, [&] { return Execute(...); }));
//
// Limits: an exception thrown inside an OpenMP parallel region cannot leave
// that region and still terminates the process; the memory estimate at
// submit (core/memory_estimate.h) is what keeps jobs from getting there.
#ifndef FLN_SERVER_EXCEPTION_GUARD_H_
#define FLN_SERVER_EXCEPTION_GUARD_H_

#include <grpcpp/support/status.h>

#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fln {

// Runs `body` and returns its status. If it throws, returns instead
// RESOURCE_EXHAUSTED "<what>: out of memory (...)" for std::bad_alloc and
// INTERNAL "<what>: <exception message>" for anything else, and logs it.
absl::Status StatusFromExceptions(absl::string_view what,
                                  const std::function<absl::Status()>& body);

// The same for an RPC handler's body (`what` names the method).
grpc::Status GrpcStatusFromExceptions(absl::string_view what,
                                      const std::function<grpc::Status()>& body);

}  // namespace fln

#endif  // FLN_SERVER_EXCEPTION_GUARD_H_
