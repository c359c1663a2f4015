#include "client/json_output.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "gtest/gtest.h"
#include "proto/service.pb.h"

namespace fln {
namespace client {
namespace {

TEST(JsonOutputTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(JsonString("a\"b\\c\nd\x01"), R"("a\"b\\c\nd\u0001")");
}

TEST(JsonOutputTest, NumbersAreShortestRoundTripAndNonFiniteIsNull) {
  EXPECT_EQ(JsonNumber(0.1), "0.1");
  EXPECT_EQ(JsonNumber(3), "3");
  EXPECT_EQ(std::stod(JsonNumber(1.0 / 3.0)), 1.0 / 3.0);
  EXPECT_EQ(JsonNumber(std::nan("")), "null");
  EXPECT_EQ(JsonNumber(std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonOutputTest, FloatsPrintShortest) {
  EXPECT_EQ(JsonFloat(0.1f), "0.1");
  EXPECT_EQ(std::strtof(JsonFloat(1.0f / 3.0f).c_str(), nullptr), 1.0f / 3.0f);
  JsonObject o;
  o.AddFloatArray("p", std::vector<float>{0.25f, 0.7f});
  EXPECT_EQ(o.str(), R"({"p":[0.25,0.7]})");
}

TEST(JsonOutputTest, ObjectKeepsInsertionOrder) {
  JsonObject o;
  o.AddString("id", "j1").AddInt("epoch", 3).AddDouble("loss", 0.5).AddBool("ok", true);
  o.AddDoubleOrNull("test_accuracy", -1).AddDoubleArray("gaps", std::vector<double>{0.25, 1});
  EXPECT_EQ(o.str(),
            R"({"id":"j1","epoch":3,"loss":0.5,"ok":true,"test_accuracy":null,"gaps":[0.25,1]})");
  EXPECT_EQ(JsonObject().str(), "{}");
}

TEST(JsonOutputTest, ProtoUsesProtoFieldNamesAndEnumNames) {
  v1::Job job;
  job.set_id("j1");
  job.set_state(v1::SUCCEEDED);
  job.set_epochs_completed(2);
  absl::StatusOr<std::string> json = ProtoToJson(job);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_NE(json->find(R"("id":"j1")"), std::string::npos) << *json;
  EXPECT_NE(json->find(R"("state":"SUCCEEDED")"), std::string::npos) << *json;
  EXPECT_NE(json->find(R"("epochs_completed":2)"), std::string::npos) << *json;
  EXPECT_EQ(json->find('\n'), std::string::npos);
}

TEST(JsonOutputTest, PrependMemberAddsFirstKey) {
  EXPECT_EQ(PrependMember(R"({"id":"d1"})", "split", R"("train")"),
            R"({"split":"train","id":"d1"})");
  EXPECT_EQ(PrependMember("{}", "split", R"("test")"), R"({"split":"test"})");
}

}  // namespace
}  // namespace client
}  // namespace fln
