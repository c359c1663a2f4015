#include "core/normalization.h"

#include <cmath>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fln {
namespace {

using ::testing::HasSubstr;

// 2 features x 4 samples.
Matrix SampleFeatures() {
  Matrix x(2, 4);
  x << 0, 51, 102, 255,  //
      1, 2, 3, 6;
  return x;
}

void ExpectInvalid(const absl::Status& status, const std::string& fact) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(fact));
}

TEST(FitNormalizationTest, UnitRangeScalesByMaximum) {
  absl::StatusOr<v1::Normalization> norm = FitNormalization(SampleFeatures(), v1::UNIT_RANGE);
  ASSERT_TRUE(norm.ok()) << norm.status();
  EXPECT_EQ(norm->scaling(), v1::UNIT_RANGE);
  EXPECT_EQ(norm->scale(), 255.0f);
  EXPECT_EQ(norm->mean_size(), 0);
}

TEST(FitNormalizationTest, UnspecifiedResolvesToUnitRange) {
  absl::StatusOr<v1::Normalization> norm =
      FitNormalization(SampleFeatures(), v1::SCALING_UNSPECIFIED);
  ASSERT_TRUE(norm.ok()) << norm.status();
  EXPECT_EQ(norm->scaling(), v1::UNIT_RANGE);
  EXPECT_EQ(norm->scale(), 255.0f);
}

TEST(FitNormalizationTest, UnitRangeUsesOneWhenMaximumIsNotPositive) {
  Matrix x(1, 3);
  x << -5, -2, 0;
  absl::StatusOr<v1::Normalization> norm = FitNormalization(x, v1::UNIT_RANGE);
  ASSERT_TRUE(norm.ok()) << norm.status();
  EXPECT_EQ(norm->scale(), 1.0f);
}

TEST(FitNormalizationTest, StandardizeComputesPerFeatureMeanAndStddev) {
  absl::StatusOr<v1::Normalization> norm =
      FitNormalization(SampleFeatures(), v1::STANDARDIZE);
  ASSERT_TRUE(norm.ok()) << norm.status();
  EXPECT_EQ(norm->scaling(), v1::STANDARDIZE);
  ASSERT_EQ(norm->mean_size(), 2);
  ASSERT_EQ(norm->stddev_size(), 2);
  EXPECT_FLOAT_EQ(norm->mean(0), 102.0f);
  EXPECT_FLOAT_EQ(norm->mean(1), 3.0f);
  // Population stddev: sqrt(mean of squared deviations).
  EXPECT_FLOAT_EQ(norm->stddev(0), std::sqrt((102.0 * 102 + 51 * 51 + 0 + 153 * 153) / 4));
  EXPECT_FLOAT_EQ(norm->stddev(1), std::sqrt((4.0 + 1 + 0 + 9) / 4));
}

TEST(FitNormalizationTest, StandardizeGivesConstantFeatureStddevOne) {
  Matrix x(2, 3);
  x << 0.1f, 0.1f, 0.1f,  //
      1, 2, 3;
  absl::StatusOr<v1::Normalization> norm = FitNormalization(x, v1::STANDARDIZE);
  ASSERT_TRUE(norm.ok()) << norm.status();
  EXPECT_EQ(norm->stddev(0), 1.0f);
  ASSERT_TRUE(ApplyNormalization(*norm, &x).ok());
  EXPECT_NEAR(x(0, 0), 0.0f, 1e-6f);
}

TEST(FitNormalizationTest, StandardizeIsAccurateForLargeOffsets) {
  // float accumulation would lose the spread under a 1e4 offset; double keeps it.
  const int n = 100000;
  Matrix x(1, n);
  for (int j = 0; j < n; ++j) x(0, j) = 10000.0f + static_cast<float>(j % 2);
  absl::StatusOr<v1::Normalization> norm = FitNormalization(x, v1::STANDARDIZE);
  ASSERT_TRUE(norm.ok()) << norm.status();
  EXPECT_FLOAT_EQ(norm->mean(0), 10000.5f);
  EXPECT_FLOAT_EQ(norm->stddev(0), 0.5f);
}

TEST(FitNormalizationTest, NoneIsIdentity) {
  absl::StatusOr<v1::Normalization> norm = FitNormalization(SampleFeatures(), v1::NONE);
  ASSERT_TRUE(norm.ok()) << norm.status();
  EXPECT_EQ(norm->scaling(), v1::NONE);
  Matrix x = SampleFeatures();
  ASSERT_TRUE(ApplyNormalization(*norm, &x).ok());
  EXPECT_EQ(x, SampleFeatures());
}

TEST(FitNormalizationTest, RejectsZeroSamples) {
  ExpectInvalid(FitNormalization(Matrix(3, 0), v1::STANDARDIZE).status(), "0 samples");
}

TEST(FitNormalizationTest, RejectsNonFiniteFeature) {
  Matrix x = SampleFeatures();
  x(1, 2) = std::numeric_limits<float>::quiet_NaN();
  ExpectInvalid(FitNormalization(x, v1::UNIT_RANGE).status(), "feature 1 of sample 2 is NaN");
}

TEST(FitNormalizationTest, RejectsUnknownScaling) {
  ExpectInvalid(
      FitNormalization(SampleFeatures(), static_cast<v1::FeatureScaling>(42)).status(),
      "unknown feature scaling 42");
}

TEST(ApplyNormalizationTest, UnitRangeMapsMaximumToOne) {
  Matrix x = SampleFeatures();
  absl::StatusOr<v1::Normalization> norm = FitNormalization(x, v1::UNIT_RANGE);
  ASSERT_TRUE(norm.ok());
  ASSERT_TRUE(ApplyNormalization(*norm, &x).ok());
  EXPECT_FLOAT_EQ(x(0, 3), 1.0f);
  EXPECT_FLOAT_EQ(x(0, 1), 0.2f);
  EXPECT_FLOAT_EQ(x(1, 3), 6.0f / 255.0f);
}

TEST(ApplyNormalizationTest, StandardizedTrainingDataHasZeroMeanUnitVariance) {
  Matrix x = SampleFeatures();
  absl::StatusOr<v1::Normalization> norm = FitNormalization(x, v1::STANDARDIZE);
  ASSERT_TRUE(norm.ok());
  ASSERT_TRUE(ApplyNormalization(*norm, &x).ok());
  for (int i = 0; i < 2; ++i) {
    const Eigen::ArrayXf row = x.row(i).transpose().array();
    EXPECT_NEAR(row.mean(), 0.0f, 1e-6f);
    EXPECT_NEAR((row * row).mean(), 1.0f, 1e-5f);
  }
}

TEST(ApplyNormalizationTest, TestDataUsesTrainingStatistics) {
  absl::StatusOr<v1::Normalization> norm =
      FitNormalization(SampleFeatures(), v1::STANDARDIZE);
  ASSERT_TRUE(norm.ok());
  Matrix test(2, 1);
  test << 102, 3;  // exactly the training means
  ASSERT_TRUE(ApplyNormalization(*norm, &test).ok());
  EXPECT_FLOAT_EQ(test(0, 0), 0.0f);
  EXPECT_FLOAT_EQ(test(1, 0), 0.0f);
}

TEST(ApplyNormalizationTest, RejectsMeanSizeMismatch) {
  v1::Normalization norm;
  norm.set_scaling(v1::STANDARDIZE);
  norm.add_mean(0);
  norm.add_stddev(1);
  Matrix x = SampleFeatures();
  ExpectInvalid(ApplyNormalization(norm, &x),
                "normalization has 1 means and 1 stddevs, but the features have 2 rows");
  EXPECT_EQ(x, SampleFeatures());
}

TEST(ApplyNormalizationTest, RejectsZeroStddev) {
  v1::Normalization norm;
  norm.set_scaling(v1::STANDARDIZE);
  norm.add_mean(0);
  norm.add_mean(0);
  norm.add_stddev(1);
  norm.add_stddev(0);
  Matrix x = SampleFeatures();
  ExpectInvalid(ApplyNormalization(norm, &x), "normalization.stddev[1] must be finite and > 0");
}

TEST(ApplyNormalizationTest, RejectsNonPositiveScale) {
  v1::Normalization norm;  // UNSPECIFIED with scale 0
  Matrix x = SampleFeatures();
  ExpectInvalid(ApplyNormalization(norm, &x),
                "normalization.scale must be finite and > 0, got 0");
}

TEST(ApplyNormalizationTest, RejectsOverflowingResultAndLeavesFeaturesUnchanged) {
  v1::Normalization norm;
  norm.set_scaling(v1::UNIT_RANGE);
  norm.set_scale(1e-37f);  // 51 / 1e-37 overflows float
  Matrix x = SampleFeatures();
  ExpectInvalid(ApplyNormalization(norm, &x), "normalized feature 0 of sample 1 is infinite");
  EXPECT_EQ(x, SampleFeatures());
}

TEST(ApplyNormalizationTest, RejectsNonFiniteInput) {
  v1::Normalization norm;
  norm.set_scaling(v1::NONE);
  Matrix x = SampleFeatures();
  x(0, 0) = std::numeric_limits<float>::infinity();
  ExpectInvalid(ApplyNormalization(norm, &x), "feature 0 of sample 0 is infinite");
}

TEST(ApplyNormalizationTest, RejectsNullFeatures) {
  v1::Normalization norm;
  norm.set_scaling(v1::NONE);
  ExpectInvalid(ApplyNormalization(norm, nullptr), "features must not be null");
}

}  // namespace
}  // namespace fln
