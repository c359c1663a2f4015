#include "server/exception_guard.h"

#include <exception>
#include <new>

#include "absl/strings/str_cat.h"
#include "server/logging.h"
#include "server/status_conversion.h"

namespace fln {

absl::Status StatusFromExceptions(absl::string_view what,
                                  const std::function<absl::Status()>& body) {
  absl::Status status;
  try {
    return body();
  } catch (const std::bad_alloc& e) {
    status = absl::ResourceExhaustedError(absl::StrCat(
        what, ": out of memory (", e.what(),
        "); the machine could not provide what this work needs: use a smaller model, "
        "batch or dataset, or lower flnd's --max_job_memory so such work is refused up front"));
  } catch (const std::exception& e) {
    status = absl::InternalError(absl::StrCat(what, ": unexpected error: ", e.what()));
  } catch (...) {
    status = absl::InternalError(absl::StrCat(what, ": unexpected error of unknown type"));
  }
  Log(status.ToString());
  return status;
}

grpc::Status GrpcStatusFromExceptions(absl::string_view what,
                                      const std::function<grpc::Status()>& body) {
  grpc::Status reply;
  const absl::Status status = StatusFromExceptions(what, [&] {
    reply = body();
    return absl::OkStatus();
  });
  return status.ok() ? reply : ToGrpcStatus(status);
}

}  // namespace fln
