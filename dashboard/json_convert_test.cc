#include "dashboard/json_convert.h"

#include "gtest/gtest.h"

namespace fln {
namespace dashboard {
namespace {

TEST(ErrorJsonTest, EscapesTheMessage) {
  EXPECT_EQ(ErrorJson(absl::NotFoundError("no job \"x\"")),
            R"({"error":{"code":"NOT_FOUND","message":"no job \"x\""}})");
}

TEST(ParsePredictRequestTest, ReadsInputsAndDefaultsToOneSample) {
  absl::StatusOr<v1::PredictRequest> request =
      ParsePredictRequest(R"({"inputs":[0, 127.5, 255], "ignored": true})", "j-1");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->model_id(), "j-1");
  EXPECT_EQ(request->num_samples(), 1);
  ASSERT_EQ(request->inputs_size(), 3);
  EXPECT_FLOAT_EQ(request->inputs(1), 127.5f);
}

TEST(ParsePredictRequestTest, RejectsMalformedOrEmptyBodies) {
  EXPECT_EQ(ParsePredictRequest("not json", "j").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePredictRequest(R"({"inputs":["a"]})", "j").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePredictRequest(R"({"inputs":[]})", "j").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dashboard
}  // namespace fln
