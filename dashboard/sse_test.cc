#include "dashboard/sse.h"

#include "gtest/gtest.h"

namespace fln {
namespace dashboard {
namespace {

TEST(FirstSequenceTest, ResumesAfterLastEventId) {
  EXPECT_EQ(*FirstSequence("41", ""), 42);
  EXPECT_EQ(*FirstSequence("41", "5"), 42);  // the header wins over the query
  EXPECT_EQ(*FirstSequence("", "5"), 5);
  EXPECT_EQ(*FirstSequence("", ""), 1);
}

TEST(FirstSequenceTest, RejectsNonNumbers) {
  EXPECT_EQ(FirstSequence("x", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FirstSequence("", "-3").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SseForEventTest, CarriesSequenceAsIdAndKindAsEventName) {
  v1::JobEvent event;
  event.set_sequence(7);
  event.set_job_id("j-1");
  event.mutable_metrics()->set_epoch(2);
  absl::StatusOr<std::string> message = SseForEvent(event);
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(message->rfind("id: 7\nevent: metrics\ndata: {", 0), 0u) << *message;
  EXPECT_NE(message->find("\"epoch\":2"), std::string::npos) << *message;
  EXPECT_EQ(message->substr(message->size() - 3), "}\n\n");
  // One data line: the JSON has no newline inside.
  EXPECT_EQ(message->find('\n', message->find("data: ")), message->size() - 2);
}

TEST(SseForEventTest, HeartbeatIsACommentWithoutId) {
  v1::JobEvent event;
  event.set_sequence(7);
  event.mutable_heartbeat();
  EXPECT_EQ(*SseForEvent(event), ": heartbeat\n\n");
}

TEST(SseEndAndErrorTest, UseTheirOwnEventNames) {
  EXPECT_EQ(SseEnd().rfind("event: end\n", 0), 0u);
  EXPECT_EQ(SseError(absl::UnavailableError("down")),
            "event: fln-error\ndata: {\"error\":{\"code\":\"UNAVAILABLE\",\"message\":\"down\"}}\n\n");
}

}  // namespace
}  // namespace dashboard
}  // namespace fln
