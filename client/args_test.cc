#include "client/args.h"

#include "gtest/gtest.h"

namespace fln {
namespace client {
namespace {

const std::vector<FlagSpec> kSpecs = {{"name"}, {"count"}, {"csv_header", false}};

TEST(ArgsTest, ParsesEqualsAndSpaceSeparatedValues) {
  auto args = Args::Parse({"--name=a", "--count", "7", "ID"}, kSpecs);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->Get("name"), "a");
  EXPECT_EQ(*args->GetInt("count", 0), 7);
  EXPECT_EQ(args->positional(), std::vector<std::string>{"ID"});
}

TEST(ArgsTest, BooleanFlagTakesNoFollowingValue) {
  auto args = Args::Parse({"--csv_header", "file"}, kSpecs);
  ASSERT_TRUE(args.ok());
  EXPECT_TRUE(args->GetBool("csv_header"));
  EXPECT_EQ(args->positional(), std::vector<std::string>{"file"});
  EXPECT_FALSE(Args::Parse({"--csv_header=false"}, kSpecs)->GetBool("csv_header"));
}

TEST(ArgsTest, UnknownFlagIsAUsageError) {
  auto args = Args::Parse({"--nmae=a"}, kSpecs);
  ASSERT_FALSE(args.ok());
  EXPECT_TRUE(IsUsageError(args.status()));
  EXPECT_NE(args.status().message().find("--nmae"), std::string::npos);
}

TEST(ArgsTest, MissingValueAtEndIsAUsageError) {
  EXPECT_TRUE(IsUsageError(Args::Parse({"--name"}, kSpecs).status()));
}

TEST(ArgsTest, DoubleDashEndsFlags) {
  auto args = Args::Parse({"--", "--name=x"}, kSpecs);
  ASSERT_TRUE(args.ok());
  EXPECT_FALSE(args->Has("name"));
  EXPECT_EQ(args->positional(), std::vector<std::string>{"--name=x"});
}

TEST(ArgsTest, NonNumericIntegerNamesFlagAndValue) {
  auto args = Args::Parse({"--count=x"}, kSpecs);
  ASSERT_TRUE(args.ok());
  absl::StatusOr<int64_t> count = args->GetInt("count", 0);
  ASSERT_FALSE(count.ok());
  EXPECT_TRUE(IsUsageError(count.status()));
  EXPECT_EQ(count.status().message(), "--count must be an integer, got x");
}

TEST(ArgsTest, DurationAcceptsSecondsAndUnits) {
  const std::vector<FlagSpec> specs = {{"timeout"}};
  EXPECT_EQ(*Args::Parse({"--timeout=2.5"}, specs)->GetDuration("timeout", absl::ZeroDuration()),
            absl::Milliseconds(2500));
  EXPECT_EQ(*Args::Parse({"--timeout=1m"}, specs)->GetDuration("timeout", absl::ZeroDuration()),
            absl::Minutes(1));
  EXPECT_FALSE(Args::Parse({"--timeout=0"}, specs)->GetDuration("timeout", absl::Seconds(1)).ok());
  EXPECT_FALSE(Args::Parse({"--timeout=soon"}, specs)->GetDuration("timeout", absl::Seconds(1)).ok());
}

TEST(ArgsTest, PlainInvalidArgumentIsNotAUsageError) {
  EXPECT_FALSE(IsUsageError(absl::InvalidArgumentError("from the server")));
}

}  // namespace
}  // namespace client
}  // namespace fln
