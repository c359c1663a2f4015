#include "core/csv_reader.h"

#include <zlib.h>

#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fln {
namespace {

using ::testing::HasSubstr;

void ExpectInvalid(absl::string_view text, const std::string& fact,
                   const CsvOptions& options = {}) {
  absl::StatusOr<Dataset> data = ParseCsv(text, options);
  ASSERT_FALSE(data.ok()) << "parsed: " << text;
  EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument) << data.status();
  EXPECT_THAT(std::string(data.status().message()), HasSubstr(fact));
}

TEST(ParseCsvTest, ParsesOneSamplePerColumn) {
  absl::StatusOr<Dataset> data = ParseCsv("1,0.5,2\n0,-3,4e2\n", {});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_samples(), 2);
  EXPECT_EQ(data->num_features(), 2);
  EXPECT_EQ(data->features(0, 0), 0.5f);
  EXPECT_EQ(data->features(1, 0), 2.0f);
  EXPECT_EQ(data->features(0, 1), -3.0f);
  EXPECT_EQ(data->features(1, 1), 400.0f);
  EXPECT_EQ(data->labels, (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(data->height, 0);
}

TEST(ParseCsvTest, InfersNumClassesAsMaxLabelPlusOne) {
  absl::StatusOr<Dataset> data = ParseCsv("2,1\n0,1\n6,1\n", {});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_classes, 7);
}

TEST(ParseCsvTest, UsesGivenNumClasses) {
  CsvOptions options;
  options.num_classes = 10;
  absl::StatusOr<Dataset> data = ParseCsv("2,1\n0,1\n", options);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_classes, 10);
}

TEST(ParseCsvTest, AcceptsNoTrailingNewline) {
  absl::StatusOr<Dataset> data = ParseCsv("1,2,3\n0,4,5", {});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_samples(), 2);
  EXPECT_EQ(data->features(1, 1), 5.0f);
}

TEST(ParseCsvTest, AcceptsCrLfLineEnds) {
  absl::StatusOr<Dataset> data = ParseCsv("1,2,3\r\n0,4,5\r\n", {});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_samples(), 2);
  EXPECT_EQ(data->features(1, 1), 5.0f);
}

TEST(ParseCsvTest, SkipsBlankLines) {
  absl::StatusOr<Dataset> data = ParseCsv("\n1,2,3\n\n  \r\n0,4,5\n\n", {});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_samples(), 2);
}

TEST(ParseCsvTest, AcceptsSpacesAroundFields) {
  absl::StatusOr<Dataset> data = ParseCsv(" 1 , 2.5 ,\t3\n", {});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->labels[0], 1);
  EXPECT_EQ(data->features(0, 0), 2.5f);
  EXPECT_EQ(data->features(1, 0), 3.0f);
}

TEST(ParseCsvTest, AcceptsIntegerValuedFloatLabel) {
  absl::StatusOr<Dataset> data = ParseCsv("3.0,1\n", {});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->labels[0], 3);
}

TEST(ParseCsvTest, AutoDetectsHeader) {
  absl::StatusOr<Dataset> data = ParseCsv("label,pixel1,pixel2\n1,2,3\n", {});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_samples(), 1);
  EXPECT_EQ(data->features(0, 0), 2.0f);
}

TEST(ParseCsvTest, HasHeaderSkipsNumericFirstLine) {
  CsvOptions options;
  options.has_header = true;
  absl::StatusOr<Dataset> data = ParseCsv("0,1,2\n1,2,3\n", options);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_samples(), 1);
  EXPECT_EQ(data->labels[0], 1);
}

TEST(ParseCsvTest, WithoutHeaderFirstNumericLineIsData) {
  absl::StatusOr<Dataset> data = ParseCsv("0,1,2\n1,2,3\n", {});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_samples(), 2);
}

TEST(ParseCsvTest, RejectsEmptyText) { ExpectInvalid("", "no data rows"); }

TEST(ParseCsvTest, RejectsOnlyBlankLines) { ExpectInvalid("\n \r\n\n", "no data rows"); }

TEST(ParseCsvTest, RejectsHeaderWithoutRows) {
  ExpectInvalid("label,a,b\n", "header but no data rows");
}

TEST(ParseCsvTest, RejectsRaggedRows) {
  ExpectInvalid("1,2,3\n0,4,5\n1,6\n", "line 3: row has 2 fields, expected 3");
}

TEST(ParseCsvTest, RejectsRowsNotMatchingHeader) {
  ExpectInvalid("label,a,b\n1,2\n", "line 2: row has 2 fields but the header (line 1) has 3");
}

TEST(ParseCsvTest, RejectsRowWithoutFeatures) {
  ExpectInvalid("1\n2\n", "line 1: row has no features");
}

TEST(ParseCsvTest, RejectsNonNumericFeature) {
  ExpectInvalid("1,2,3\n0,4,abc\n", "line 2, column 3: feature 'abc' is not a number");
}

TEST(ParseCsvTest, RejectsEmptyFeature) {
  ExpectInvalid("1,2,,3\n", "line 1, column 3: feature is empty");
}

TEST(ParseCsvTest, RejectsFeatureWithTrailingJunk) {
  ExpectInvalid("1,2.5x\n", "line 1, column 2: feature '2.5x' is not a number");
}

TEST(ParseCsvTest, RejectsNanFeatureWithLineAndColumn) {
  ExpectInvalid("1,2,3\n1,2,3\n1,2,3\n1,2,3\n1,2,3\n1,2,3\n0,1,nan\n",
                "line 7, column 3: feature is NaN");
}

TEST(ParseCsvTest, RejectsInfFeature) {
  ExpectInvalid("0,inf,1\n", "line 1, column 2: feature is Inf");
}

TEST(ParseCsvTest, RejectsFeatureOverflowingFloat) {
  ExpectInvalid("0,1,-1e39\n", "line 1, column 3: feature is -Inf ('-1e39')");
}

TEST(ParseCsvTest, RejectsNegativeLabel) {
  ExpectInvalid("-1,2,3\n", "line 1, column 1: label -1 is negative");
}

TEST(ParseCsvTest, RejectsNonIntegerLabel) {
  ExpectInvalid("0,1\n2.5,2\n", "line 2, column 1: label '2.5' is not an integer");
}

TEST(ParseCsvTest, RejectsNonIntegerLabelOnFirstLineInsteadOfTakingItAsHeader) {
  ExpectInvalid("2.5,1\n", "line 1, column 1: label '2.5' is not an integer");
}

TEST(ParseCsvTest, RejectsNonNumericLabelAfterFirstLine) {
  ExpectInvalid("0,1\ncat,2\n", "line 2, column 1: label 'cat' is not a number");
}

TEST(ParseCsvTest, RejectsLabelAtOrAboveNumClasses) {
  CsvOptions options;
  options.num_classes = 3;
  ExpectInvalid("0,1\n3,1\n", "line 2, column 1: label 3 >= num_classes 3", options);
}

TEST(ParseCsvTest, RejectsNegativeNumClasses) {
  CsvOptions options;
  options.num_classes = -2;
  ExpectInvalid("0,1\n", "num_classes must be >= 0, got -2", options);
}

TEST(LoadCsvTest, LoadsGzipFile) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/data.csv.gz");
  const std::string text = "label,a,b\n1,2,3\n0,4,5\n";
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  ASSERT_EQ(gzclose(file), Z_OK);
  absl::StatusOr<Dataset> data = LoadCsv(path, {});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_samples(), 2);
  EXPECT_EQ(data->features(1, 1), 5.0f);
}

TEST(LoadCsvTest, ErrorNamesTheFile) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/bad.csv");
  std::ofstream(path) << "1,2\n0,x\n";
  absl::StatusOr<Dataset> data = LoadCsv(path, {});
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(data.status().message()),
              HasSubstr(path + ": line 2, column 2"));
}

TEST(LoadCsvTest, MissingFileIsNotFound) {
  absl::StatusOr<Dataset> data =
      LoadCsv(absl::StrCat(::testing::TempDir(), "/missing.csv"), {});
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace fln
