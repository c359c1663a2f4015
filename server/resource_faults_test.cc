// A server that runs out of disk or memory fails the work that needed it,
// with a reason and the right code, and keeps serving everything else.
#include <sys/resource.h>

#include <cerrno>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "server/fault_injection_env.h"
#include "server/status_conversion.h"
#include "server/test_util.h"

namespace fln {
namespace {

constexpr int kFeatures = 12;
constexpr int kClasses = 3;
constexpr int kSamples = 4000;
constexpr absl::Duration kWaitLimit = absl::Seconds(60);

class ResourceFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FlnServer::Options options;
    options.listen = "127.0.0.1:0";
    data_dir_ = testing_util::FreshDir("fln_data");
    options.data_dir = data_dir_;
    options.builtin_dir = testing_util::FreshDir("no_builtin");
    options.heartbeat = absl::Milliseconds(200);
    options.threads_per_job = 1;
    options.env = &env_;
    // Let the memory tests through submit: the point is what happens when
    // the estimate is wrong or was raised.
    options.max_job_memory_bytes = int64_t{1} << 50;
    absl::StatusOr<std::unique_ptr<testing_util::TestServer>> server =
        testing_util::TestServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    const testing_util::PixelData data =
        testing_util::MakePixelData(kFeatures, kClasses, kSamples, 100, 5);
    absl::StatusOr<v1::Dataset> train =
        testing_util::UploadCsv(server_->datasets(), "train", testing_util::ToCsv(data.train));
    ASSERT_TRUE(train.ok()) << train.status();
    train_ = *train;
  }

  v1::SubmitJobRequest Request(int hidden, int epochs, int batch_size = 100) {
    v1::SubmitJobRequest request;
    request.set_train_dataset_id(train_.id());
    *request.mutable_model() = testing_util::Mlp(kFeatures, hidden, kClasses);
    *request.mutable_schedule() = testing_util::FlnSchedule(epochs, batch_size);
    return request;
  }

  // Submits and watches to the end; returns the final state event.
  v1::StateChange RunToEnd(const v1::SubmitJobRequest& request) {
    absl::StatusOr<v1::Job> job = testing_util::Submit(server_->jobs(), request);
    EXPECT_TRUE(job.ok()) << job.status();
    if (!job.ok()) return {};
    const testing_util::WatchResult watched =
        testing_util::Watch(server_->jobs(), job->id(), 0, kWaitLimit);
    EXPECT_TRUE(watched.status.ok()) << watched.status.error_message();
    if (watched.events.empty()) return {};
    return watched.events.back().state();
  }

  FaultInjectionEnv env_;
  std::string data_dir_;
  std::unique_ptr<testing_util::TestServer> server_;
  v1::Dataset train_;
};

TEST_F(ResourceFaultsTest, AFullDiskFailsTheJobAtItsCheckpointAndTheServerCarriesOn) {
  env_.FailWritesFrom(1, ENOSPC, "/checkpoints/");  // the checkpoints' volume is full
  const v1::StateChange failed = RunToEnd(Request(8, 2));
  EXPECT_EQ(failed.state(), v1::FAILED);
  EXPECT_EQ(failed.error_code(), static_cast<int>(absl::StatusCode::kResourceExhausted));
  EXPECT_NE(failed.message().find("disk full"), std::string::npos) << failed.message();
  EXPECT_EQ(failed.message().find(data_dir_), std::string::npos)
      << "no server paths in what clients see: " << failed.message();

  env_.ClearFaults();
  EXPECT_EQ(RunToEnd(Request(8, 2)).state(), v1::SUCCEEDED) << "space again: jobs run again";
}

TEST_F(ResourceFaultsTest, AFullDatabaseVolumeRefusesSubmitsWithResourceExhausted) {
  env_.FailWritesFrom(1, ENOSPC, "/fln.db");
  const absl::StatusOr<v1::Job> refused = testing_util::Submit(server_->jobs(), Request(8, 1));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted) << refused.status();
  EXPECT_NE(refused.status().message().find("disk full"), absl::string_view::npos);
  env_.ClearFaults();
  EXPECT_EQ(RunToEnd(Request(8, 1)).state(), v1::SUCCEEDED) << "space again: submits work";
}

TEST_F(ResourceFaultsTest, DeleteOnAFullDiskFreesTheDatasetsSpaceFirst) {
  const std::string files = absl::StrCat(data_dir_, "/datasets/", train_.id());
  ASSERT_TRUE(env_.PathExists(files));
  env_.FailWritesFrom(1, ENOSPC, "/fln.db");  // the database cannot grow
  grpc::ClientContext context;
  v1::DeleteDatasetRequest request;
  request.set_id(train_.id());
  v1::DeleteDatasetResponse response;
  const grpc::Status full = server_->datasets()->Delete(&context, request, &response);
  EXPECT_EQ(full.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << full.error_message();
  EXPECT_NE(full.error_message().find("call Delete again"), std::string::npos);
  EXPECT_FALSE(env_.PathExists(files)) << "the dataset's bytes are freed at once";

  env_.ClearFaults();  // the freed space let the database write again
  grpc::ClientContext again;
  EXPECT_TRUE(server_->datasets()->Delete(&again, request, &response).ok());
  grpc::ClientContext get_context;
  v1::GetDatasetRequest get;
  get.set_id(train_.id());
  v1::Dataset gone;
  EXPECT_EQ(server_->datasets()->Get(&get_context, get, &gone).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// This process's address-space size, from /proc.
int64_t VirtualMemoryBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, "VmSize:")) continue;
    rest = absl::StripAsciiWhitespace(rest);
    absl::ConsumeSuffix(&rest, " kB");
    int64_t kib = 0;
    if (absl::SimpleAtoi(rest, &kib)) return kib * 1024;
  }
  return -1;
}

TEST_F(ResourceFaultsTest, AJobThatRunsOutOfMemoryFailsWithoutTakingTheServerDown) {
  // Room for the server and a small job, not for the widest hidden layer on
  // a batch of 4000 (its lifted activations alone are 65536 x 4000 floats,
  // 1 GiB).
  const int64_t in_use = VirtualMemoryBytes();
  ASSERT_GT(in_use, 0);
  struct rlimit limit;
  ASSERT_EQ(getrlimit(RLIMIT_AS, &limit), 0);
  const struct rlimit saved = limit;
  limit.rlim_cur = static_cast<rlim_t>(in_use + (int64_t{512} << 20));
  ASSERT_EQ(setrlimit(RLIMIT_AS, &limit), 0);

  const v1::StateChange failed = RunToEnd(Request(65536, 1, kSamples));
  const v1::StateChange small = RunToEnd(Request(8, 1));
  ASSERT_EQ(setrlimit(RLIMIT_AS, &saved), 0);

  EXPECT_EQ(failed.state(), v1::FAILED);
  EXPECT_EQ(failed.error_code(), static_cast<int>(absl::StatusCode::kResourceExhausted));
  EXPECT_NE(failed.message().find("out of memory"), std::string::npos) << failed.message();
  EXPECT_EQ(small.state(), v1::SUCCEEDED) << "the server still trains";
}

}  // namespace
}  // namespace fln
