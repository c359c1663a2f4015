#include "client/text_proto.h"

#include "gtest/gtest.h"
#include "proto/model.pb.h"

namespace fln {
namespace client {
namespace {

TEST(TextProtoTest, ParsesScheduleWithComments) {
  v1::Schedule schedule;
  ASSERT_TRUE(ParseTextProto("# comment\nmethod: FLN\nepochs: 3\nfln { rho_d: 10 rho_d: 100 }",
                             "s", &schedule)
                  .ok());
  EXPECT_EQ(schedule.method(), v1::FLN);
  EXPECT_EQ(schedule.epochs(), 3);
  EXPECT_EQ(schedule.fln().rho_d_size(), 2);
}

TEST(TextProtoTest, UnknownFieldNamesSourceLineAndColumn) {
  v1::Schedule schedule;
  absl::Status status = ParseTextProto("epochs: 3\nepoch: 4\n", "sched.textproto", &schedule);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("sched.textproto:2:"), std::string::npos) << status;
  EXPECT_NE(status.message().find("epoch"), std::string::npos) << status;
  EXPECT_NE(status.message().find("fln.v1.Schedule"), std::string::npos) << status;
}

TEST(TextProtoTest, MissingFileIsNotFound) {
  v1::ModelSpec spec;
  EXPECT_EQ(LoadTextProtoFile("/nonexistent/model.textproto", &spec).code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace client
}  // namespace fln
