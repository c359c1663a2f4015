// Runs the real flnd binary as a subprocess, kills it with SIGKILL in the
// middle of a training job (no graceful path at all), restarts it on the
// same data directory and checks that the job resumes from its last epoch
// checkpoint with its history intact and ends with exactly the weights of an
// uninterrupted run. Also: SIGTERM exits 0 and the next start resumes.
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/checkpoint_store.h"
#include "server/test_util.h"

extern char** environ;

namespace fln {
namespace {

using testing_util::WatchResult;

constexpr absl::Duration kWaitLimit = absl::Seconds(120);

// One flnd process. Its stdout is a pipe we keep open until it exits.
class Flnd {
 public:
  // `pause_after_epoch` > 0: jobs wait after that epoch's checkpoint until
  // cancelled or shut down (server/testing/flnd_for_testing --pause_after_epoch), so a kill lands
  // at a known point instead of racing the trainer.
  // `threads`: --threads_per_job. On a loaded 2-core machine a 2-thread
  // OpenMP team slows down ~10x (barriers wait for descheduled threads), so
  // the long test trains with 1 (the comparison holds for any fixed count).
  static std::unique_ptr<Flnd> Start(const std::string& data_dir, int pause_after_epoch,
                                     int threads) {
    const std::string binary =
        absl::StrCat(std::getenv("TEST_SRCDIR"), "/fln/server/testing/flnd_for_testing");
    std::vector<std::string> args = {binary,
                                     "--listen=127.0.0.1:0",
                                     absl::StrCat("--data_dir=", data_dir),
                                     absl::StrCat("--threads_per_job=", threads),
                                     "--heartbeat_seconds=1",
                                     absl::StrCat("--pause_after_epoch=", pause_after_epoch)};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(&a[0]);
    argv.push_back(nullptr);
    int out[2];
    if (pipe(out) != 0) return nullptr;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addclose(&actions, out[1]);
    auto flnd = std::unique_ptr<Flnd>(new Flnd());
    const int rc = posix_spawn(&flnd->pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    flnd->stdout_fd_ = out[0];
    if (rc != 0) {
      ADD_FAILURE() << "cannot spawn " << binary << ": " << rc;
      return nullptr;
    }
    // The address comes on the "flnd listening on HOST:PORT" line.
    std::string output;
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (output.find('\n') == std::string::npos && absl::Now() < deadline) {
      pollfd fd = {flnd->stdout_fd_, POLLIN, 0};
      if (poll(&fd, 1, 100) <= 0) continue;
      char buffer[256];
      const ssize_t n = read(flnd->stdout_fd_, buffer, sizeof(buffer));
      if (n <= 0) break;
      output.append(buffer, static_cast<size_t>(n));
    }
    const std::string prefix = "flnd listening on ";
    if (!absl::StartsWith(output, prefix) || output.find('\n') == std::string::npos) {
      ADD_FAILURE() << "flnd did not report its address; stdout: " << output;
      return nullptr;
    }
    flnd->address_ = output.substr(prefix.size(), output.find('\n') - prefix.size());
    flnd->channel_ = testing_util::Connect(flnd->address_);
    flnd->datasets_ = v1::Datasets::NewStub(flnd->channel_);
    flnd->jobs_ = v1::Jobs::NewStub(flnd->channel_);
    flnd->models_ = v1::Models::NewStub(flnd->channel_);
    return flnd;
  }

  ~Flnd() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Reap();
    }
    if (stdout_fd_ >= 0) close(stdout_fd_);
  }

  // Disconnects, sends `signal` and returns the wait status once the
  // process has exited. (An idle client that stays connected delays a
  // graceful shutdown until its next poll: gRPC's client backup poller runs
  // every 5 s, and the server waits for its connections to close.)
  int Stop(int signal) {
    datasets_.reset();
    jobs_.reset();
    models_.reset();
    channel_.reset();
    kill(pid_, signal);
    return Reap();
  }

  v1::Datasets::Stub* datasets() { return datasets_.get(); }
  v1::Jobs::Stub* jobs() { return jobs_.get(); }
  v1::Models::Stub* models() { return models_.get(); }

 private:
  Flnd() = default;
  int Reap() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Datasets::Stub> datasets_;
  std::unique_ptr<v1::Jobs::Stub> jobs_;
  std::unique_ptr<v1::Models::Stub> models_;
};

class CrashRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = testing_util::FreshDir("flnd_data");
    data_ = testing_util::MakePixelData(8, 3, 1000, 200, 5);
  }

  v1::SubmitJobRequest Request(Flnd* flnd, int epochs) {
    absl::StatusOr<v1::Dataset> train =
        testing_util::UploadCsv(flnd->datasets(), "train", testing_util::ToCsv(data_.train));
    absl::StatusOr<v1::Dataset> test =
        testing_util::UploadCsv(flnd->datasets(), "test", testing_util::ToCsv(data_.test));
    EXPECT_TRUE(train.ok() && test.ok()) << train.status() << test.status();
    v1::SubmitJobRequest request;
    request.set_train_dataset_id(train.ok() ? train->id() : "");
    request.set_test_dataset_id(test.ok() ? test->id() : "");
    *request.mutable_model() = testing_util::Mlp(8, 16, 3);
    *request.mutable_schedule() = testing_util::FlnSchedule(epochs, 32);
    return request;
  }

  static v1::Checkpoint Weights(Flnd* flnd, const std::string& id) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::GetModelRequest request;
    request.set_id(id);
    request.set_include_weights(true);
    v1::Model model;
    const grpc::Status status = flnd->models()->Get(&context, request, &model);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return model.checkpoint();
  }

  // Runs a 3-epoch job with `hidden_units` on a flnd that pauses after epoch
  // 1, and kills the server with SIGKILL once that checkpoint is recorded.
  absl::StatusOr<v1::Job> KilledAfterFirstCheckpoint(int hidden_units) {
    std::unique_ptr<Flnd> flnd = Flnd::Start(data_dir_, /*pause_after_epoch=*/1, /*threads=*/1);
    if (flnd == nullptr) return absl::InternalError("flnd did not start");
    v1::SubmitJobRequest request = Request(flnd.get(), 3);
    request.mutable_model()->mutable_layers(0)->mutable_dense()->set_units(hidden_units);
    absl::StatusOr<v1::Job> job = testing_util::Submit(flnd->jobs(), request);
    if (!job.ok()) return job;
    const WatchResult paused =
        testing_util::Watch(flnd->jobs(), job->id(), 1, kWaitLimit,
                            [](const v1::JobEvent& e) { return e.has_checkpoint(); });
    if (paused.events.empty() || !paused.events.back().has_checkpoint()) {
      return absl::InternalError("no checkpoint: " + paused.status.error_message());
    }
    if (!WIFSIGNALED(flnd->Stop(SIGKILL))) return absl::InternalError("SIGKILL did not kill");
    return job;
  }

  std::string data_dir_;
  testing_util::PixelData data_;
};

TEST_F(CrashRecoveryTest, AJobKilledMidRunResumesWithItsHistoryAndEndsWithTheSameWeights) {
  const int kEpochs = 8;
  std::unique_ptr<Flnd> first = Flnd::Start(data_dir_, /*pause_after_epoch=*/2, /*threads=*/1);
  ASSERT_NE(first, nullptr);
  v1::SubmitJobRequest request = Request(first.get(), kEpochs);
  request.set_request_id("crash-once");
  absl::StatusOr<v1::Job> job = testing_util::Submit(first->jobs(), request);
  ASSERT_TRUE(job.ok()) << job.status();

  // Kill -9 once the epoch-2 checkpoint is announced (the job then waits).
  WatchResult before = testing_util::Watch(
      first->jobs(), job->id(), 1, kWaitLimit,
      [](const v1::JobEvent& e) { return e.has_checkpoint() && e.checkpoint().epoch() == 2; });
  ASSERT_TRUE(!before.events.empty() && before.events.back().has_checkpoint())
      << before.status.error_message();
  const int wait_status = first->Stop(SIGKILL);
  ASSERT_TRUE(WIFSIGNALED(wait_status));
  first.reset();

  std::unique_ptr<Flnd> second = Flnd::Start(data_dir_, /*pause_after_epoch=*/0, /*threads=*/1);
  ASSERT_NE(second, nullptr);
  WatchResult history = testing_util::Watch(second->jobs(), job->id(), 0, kWaitLimit);
  ASSERT_TRUE(history.status.ok()) << history.status.error_message();
  ASSERT_FALSE(history.events.empty());
  EXPECT_EQ(history.events.back().state().state(), v1::SUCCEEDED)
      << history.events.back().state().message();

  int resumed = 0;
  std::vector<int> metric_epochs;
  for (size_t i = 0; i < history.events.size(); ++i) {
    const v1::JobEvent& e = history.events[i];
    EXPECT_EQ(e.sequence(), static_cast<int64_t>(i + 1)) << "gapless";
    if (i < before.events.size()) {
      EXPECT_EQ(e.SerializeAsString(), before.events[i].SerializeAsString())
          << "event " << i + 1 << " changed across the crash";
    }
    if (e.has_resumed()) {
      ++resumed;
      EXPECT_EQ(e.resumed().from_epoch(), 2);
    }
    if (e.has_metrics()) metric_epochs.push_back(e.metrics().epoch());
  }
  EXPECT_EQ(resumed, 1);
  std::vector<int> every_epoch;
  for (int e = 1; e <= kEpochs; ++e) every_epoch.push_back(e);
  EXPECT_EQ(metric_epochs, every_epoch);

  // The idempotency key survived too.
  absl::StatusOr<v1::Job> retried = testing_util::Submit(second->jobs(), request);
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->id(), job->id());

  // An uninterrupted run with the same seed and threads.
  v1::SubmitJobRequest fresh = request;
  fresh.clear_request_id();
  absl::StatusOr<v1::Job> reference = testing_util::Submit(second->jobs(), fresh);
  ASSERT_TRUE(reference.ok());
  ASSERT_TRUE(testing_util::Watch(second->jobs(), reference->id(), 0, kWaitLimit).status.ok());
  const v1::Checkpoint resumed_weights = Weights(second.get(), job->id());
  const v1::Checkpoint reference_weights = Weights(second.get(), reference->id());
  ASSERT_EQ(resumed_weights.layers_size(), 2);
  ASSERT_EQ(reference_weights.layers_size(), 2);
  for (int l = 0; l < 2; ++l) {
    EXPECT_EQ(resumed_weights.layers(l).SerializeAsString(),
              reference_weights.layers(l).SerializeAsString())
        << "layer " << l << " differs from the uninterrupted run";
  }
  EXPECT_EQ(second->Stop(SIGTERM), 0);
}

// A job that takes the server down again and again (here: kill -9 twice with
// no new checkpoint in between) is failed with the reason instead of being
// resumed a third time, so a restart loop cannot keep the server down.
TEST_F(CrashRecoveryTest, AJobThatStopsTheServerTwiceWithoutProgressFails) {
  // A wide hidden layer makes an epoch take seconds, so the second kill
  // surely lands before the next checkpoint.
  const absl::StatusOr<v1::Job> job = KilledAfterFirstCheckpoint(/*hidden_units=*/1500);
  ASSERT_TRUE(job.ok()) << job.status();

  std::unique_ptr<Flnd> second = Flnd::Start(data_dir_, /*pause_after_epoch=*/0, /*threads=*/1);
  ASSERT_NE(second, nullptr);
  WatchResult resumed = testing_util::Watch(second->jobs(), job->id(), 1, kWaitLimit,
                                            [](const v1::JobEvent& e) { return e.has_resumed(); });
  ASSERT_TRUE(!resumed.events.empty() && resumed.events.back().has_resumed());
  ASSERT_TRUE(WIFSIGNALED(second->Stop(SIGKILL)));
  second.reset();

  std::unique_ptr<Flnd> third = Flnd::Start(data_dir_, /*pause_after_epoch=*/0, /*threads=*/1);
  ASSERT_NE(third, nullptr);
  WatchResult history = testing_util::Watch(third->jobs(), job->id(), 1, kWaitLimit);
  ASSERT_TRUE(history.status.ok()) << history.status.error_message();
  ASSERT_FALSE(history.events.empty());
  const v1::JobEvent& last = history.events.back();
  EXPECT_EQ(last.state().state(), v1::FAILED);
  EXPECT_TRUE(absl::StrContains(last.state().message(), "stopped abruptly 2 times"))
      << last.state().message();
  int resumes = 0;
  for (const v1::JobEvent& e : history.events) resumes += e.has_resumed() ? 1 : 0;
  EXPECT_EQ(resumes, 1);
  EXPECT_EQ(third->Stop(SIGTERM), 0);
}

// A kill between writing a checkpoint file and storing its CheckpointSaved
// event (simulated: the file is rewritten to claim one more epoch while the
// server is down) must not leave that epoch's event missing: the restart
// records it before resuming from it.
TEST_F(CrashRecoveryTest, ACheckpointWrittenButNotRecordedIsRecordedOnRestart) {
  const absl::StatusOr<v1::Job> job = KilledAfterFirstCheckpoint(/*hidden_units=*/16);
  ASSERT_TRUE(job.ok()) << job.status();

  CheckpointStore checkpoints(Env::Default(), data_dir_ + "/checkpoints");
  absl::StatusOr<v1::Checkpoint> checkpoint = checkpoints.Load(job->id());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  checkpoint->mutable_state()->set_epochs_completed(2);
  ASSERT_TRUE(checkpoints.Save(job->id(), *checkpoint).ok());

  std::unique_ptr<Flnd> second = Flnd::Start(data_dir_, /*pause_after_epoch=*/0, /*threads=*/1);
  ASSERT_NE(second, nullptr);
  WatchResult history = testing_util::Watch(second->jobs(), job->id(), 1, kWaitLimit);
  ASSERT_TRUE(history.status.ok()) << history.status.error_message();
  std::vector<int> saved;
  int resumed_from = -1;
  for (const v1::JobEvent& e : history.events) {
    if (e.has_checkpoint()) saved.push_back(e.checkpoint().epoch());
    if (e.has_resumed()) {
      resumed_from = e.resumed().from_epoch();
      EXPECT_EQ(saved.back(), 2) << "epoch 2's checkpoint is recorded before the resume";
    }
  }
  EXPECT_EQ(saved, std::vector<int>({1, 2, 3}));
  EXPECT_EQ(resumed_from, 2);
  EXPECT_EQ(second->Stop(SIGTERM), 0);
}

TEST_F(CrashRecoveryTest, SigtermExitsZeroAndTheNextStartResumesTheRunningJob) {
  std::unique_ptr<Flnd> first = Flnd::Start(data_dir_, /*pause_after_epoch=*/1, /*threads=*/2);
  ASSERT_NE(first, nullptr);
  absl::StatusOr<v1::Job> job = testing_util::Submit(first->jobs(), Request(first.get(), 10000));
  ASSERT_TRUE(job.ok()) << job.status();
  WatchResult before = testing_util::Watch(first->jobs(), job->id(), 1, kWaitLimit,
                                           [](const v1::JobEvent& e) { return e.has_checkpoint(); });
  ASSERT_TRUE(!before.events.empty() && before.events.back().has_checkpoint());
  const int wait_status = first->Stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(wait_status)) << wait_status;
  EXPECT_EQ(WEXITSTATUS(wait_status), 0);
  first.reset();

  std::unique_ptr<Flnd> second = Flnd::Start(data_dir_, /*pause_after_epoch=*/0, /*threads=*/2);
  ASSERT_NE(second, nullptr);
  // Follow until the resumed run has checkpointed once more, then cancel.
  WatchResult resumed = testing_util::Watch(
      second->jobs(), job->id(), static_cast<int64_t>(before.events.size()) + 1, kWaitLimit,
      [](const v1::JobEvent& e) { return e.has_checkpoint(); });
  ASSERT_FALSE(resumed.events.empty()) << resumed.status.error_message();
  ASSERT_TRUE(resumed.events.front().has_resumed());
  EXPECT_EQ(resumed.events.front().resumed().from_epoch(), 1);
  grpc::ClientContext context;
  v1::CancelJobRequest cancel;
  cancel.set_id(job->id());
  v1::Job cancelled;
  ASSERT_TRUE(second->jobs()->Cancel(&context, cancel, &cancelled).ok());
  WatchResult end = testing_util::Watch(second->jobs(), job->id(), cancelled.last_sequence() + 1,
                                        kWaitLimit);
  ASSERT_TRUE(end.status.ok()) << end.status.error_message();
  EXPECT_EQ(end.events.back().state().state(), v1::CANCELLED);
  EXPECT_EQ(second->Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace fln
