#include "server/status_conversion.h"

#include "gtest/gtest.h"

namespace fln {
namespace {

TEST(StatusConversionTest, OkIsOk) { EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok()); }

TEST(StatusConversionTest, KeepsEveryCanonicalCodeAndMessage) {
  for (int code = 1; code <= 16; ++code) {
    const absl::Status status(static_cast<absl::StatusCode>(code), "why");
    const grpc::Status converted = ToGrpcStatus(status);
    EXPECT_EQ(static_cast<int>(converted.error_code()), code);
    EXPECT_EQ(converted.error_message(), "why");
    EXPECT_EQ(FromGrpcStatus(converted), status);
  }
}

}  // namespace
TEST(StatusConversionTest, CutsLongMessages) {
  const std::string huge(1 << 20, 'x');
  const grpc::Status status = ToGrpcStatus(absl::InvalidArgumentError("name " + huge));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(status.error_message().size(), kMaxStatusMessageBytes + 32);
  EXPECT_NE(status.error_message().find("(truncated)"), std::string::npos);
}

}  // namespace fln
