#include "server/exception_guard.h"

#include <new>
#include <stdexcept>

#include "gtest/gtest.h"

namespace fln {
namespace {

TEST(ExceptionGuardTest, PassesStatusesThrough) {
  EXPECT_TRUE(StatusFromExceptions("x", [] { return absl::OkStatus(); }).ok());
  EXPECT_EQ(StatusFromExceptions("x", [] { return absl::NotFoundError("gone"); }).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(GrpcStatusFromExceptions(
                "x", [] { return grpc::Status(grpc::StatusCode::NOT_FOUND, "gone"); })
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST(ExceptionGuardTest, OutOfMemoryIsResourceExhaustedNamingTheWork) {
  const absl::Status status =
      StatusFromExceptions("job j-1", []() -> absl::Status { throw std::bad_alloc(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(status.message().find("job j-1: out of memory"), absl::string_view::npos) << status;
  const grpc::Status rpc =
      GrpcStatusFromExceptions("Models.Evaluate", []() -> grpc::Status { throw std::bad_alloc(); });
  EXPECT_EQ(rpc.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(rpc.error_message().find("Models.Evaluate"), std::string::npos);
}

TEST(ExceptionGuardTest, OtherExceptionsAreInternalWithTheirMessage) {
  const absl::Status status = StatusFromExceptions(
      "x", []() -> absl::Status { throw std::runtime_error("broken invariant"); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_NE(status.message().find("broken invariant"), absl::string_view::npos);
  EXPECT_EQ(StatusFromExceptions("x", []() -> absl::Status { throw 42; }).code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace fln
