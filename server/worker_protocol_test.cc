#include "server/worker_protocol.h"

#include "gtest/gtest.h"

namespace fln {
namespace {

TEST(WorkerProtocolTest, MessagesSurviveTheLineEncoding) {
  v1::WorkerMessage message;
  message.mutable_metrics()->set_epoch(3);
  message.mutable_metrics()->set_test_accuracy(0.875);
  const std::string line = EncodeWorkerLine(message);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per message";
  absl::StatusOr<std::optional<v1::WorkerMessage>> decoded = DecodeWorkerLine(line);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_TRUE(decoded->has_value());
  EXPECT_EQ((*decoded)->metrics().epoch(), 3);
  EXPECT_EQ((*decoded)->metrics().test_accuracy(), 0.875);
}

TEST(WorkerProtocolTest, OtherOutputIsNotAMessage) {
  absl::StatusOr<std::optional<v1::WorkerMessage>> decoded =
      DecodeWorkerLine("[host:123] mpirun warning: something\n");
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(decoded->has_value());
}

TEST(WorkerProtocolTest, CorruptMessageIsDataLoss) {
  const std::string bad = std::string(kWorkerLinePrefix) + "not base64 !!!";
  EXPECT_EQ(DecodeWorkerLine(bad).status().code(), absl::StatusCode::kDataLoss);
  v1::WorkerMessage message;
  message.mutable_result()->set_message("done");
  std::string truncated = EncodeWorkerLine(message);
  truncated.resize(truncated.size() - 4);
  EXPECT_FALSE(DecodeWorkerLine(truncated).ok());
}

}  // namespace
}  // namespace fln
