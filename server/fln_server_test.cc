// Integration tests: a real FlnServer on a loopback port, driven through the
// generated gRPC stubs exactly as a client would.
#include "server/fln_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>

#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "core/evaluation.h"
#include "core/network.h"
#include "core/normalization.h"
#include "core/softmax.h"
#include "core/tensor_proto.h"
#include "grpc/health/v1/health.pb.h"
#include "gtest/gtest.h"
#include "server/file_util.h"
#include "server/sha256.h"
#include "server/test_util.h"
#include "src/proto/grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace fln {
namespace {

using testing_util::FlnSchedule;
using testing_util::Mlp;
using testing_util::TestServer;
using testing_util::WatchResult;

constexpr int kFeatures = 8;
constexpr int kClasses = 3;
constexpr absl::Duration kWaitLimit = absl::Seconds(60);

std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + std::chrono::seconds(30);
}

class FlnServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = testing_util::MakePixelData(kFeatures, kClasses, 600, 200, 11);
    Start(Options());
  }

  FlnServer::Options Options() {
    FlnServer::Options options;
    options.listen = "127.0.0.1:0";
    options.data_dir = testing_util::FreshDir("fln_data");
    options.builtin_dir = testing_util::FreshDir("no_builtin");
    options.heartbeat = absl::Milliseconds(200);
    // One OpenMP thread: a busy neighbour on a 2-core machine makes a 2-thread
    // team's barriers collapse (10x slower); crash_recovery_test runs with 2.
    options.threads_per_job = 1;
    return options;
  }

  void Start(const FlnServer::Options& options) {
    options_ = options;
    absl::StatusOr<std::unique_ptr<TestServer>> server = TestServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
  }

  // Uploads the synthetic train and test sets (once per test).
  void UploadData() {
    absl::StatusOr<v1::Dataset> train =
        testing_util::UploadCsv(server_->datasets(), "train", testing_util::ToCsv(data_.train));
    ASSERT_TRUE(train.ok()) << train.status();
    absl::StatusOr<v1::Dataset> test =
        testing_util::UploadCsv(server_->datasets(), "test", testing_util::ToCsv(data_.test));
    ASSERT_TRUE(test.ok()) << test.status();
    train_ = *train;
    test_ = *test;
  }

  v1::SubmitJobRequest JobRequest(int epochs) {
    v1::SubmitJobRequest request;
    request.set_name("tiny");
    request.set_train_dataset_id(train_.id());
    request.set_test_dataset_id(test_.id());
    *request.mutable_model() = Mlp(kFeatures, 16, kClasses);
    *request.mutable_schedule() = FlnSchedule(epochs, 32);
    return request;
  }

  v1::Job SubmitOrDie(const v1::SubmitJobRequest& request) {
    absl::StatusOr<v1::Job> job = testing_util::Submit(server_->jobs(), request);
    EXPECT_TRUE(job.ok()) << job.status();
    return job.ok() ? *job : v1::Job();
  }

  WatchResult WatchToEnd(const std::string& id, int64_t from = 0) {
    return testing_util::Watch(server_->jobs(), id, from, kWaitLimit);
  }

  grpc::Status Cancel(const std::string& id, v1::Job* job) {
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    v1::CancelJobRequest request;
    request.set_id(id);
    return server_->jobs()->Cancel(&context, request, job);
  }

  grpc::Status GetJob(const std::string& id, v1::Job* job) {
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    v1::GetJobRequest request;
    request.set_id(id);
    return server_->jobs()->Get(&context, request, job);
  }

  grpc::Status Predict(const v1::PredictRequest& request, v1::PredictResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    return server_->models()->Predict(&context, request, response);
  }

  // Predicts every raw test sample with the model of job `model_id`.
  grpc::Status PredictTestSet(const std::string& model_id, v1::PredictResponse* response) {
    v1::PredictRequest request;
    request.set_model_id(model_id);
    request.set_num_samples(data_.test.num_samples());
    request.mutable_inputs()->Add(data_.test.features.data(),
                                  data_.test.features.data() + data_.test.features.size());
    return Predict(request, response);
  }

  grpc::Status GetModel(const std::string& id, bool weights, v1::Model* model) {
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    v1::GetModelRequest request;
    request.set_id(id);
    request.set_include_weights(weights);
    return server_->models()->Get(&context, request, model);
  }

  // Runs a small job to SUCCEEDED and returns it.
  v1::Job TrainedJob(int epochs = 2) {
    v1::Job job = SubmitOrDie(JobRequest(epochs));
    WatchResult watched = WatchToEnd(job.id());
    EXPECT_TRUE(watched.status.ok()) << watched.status.error_message();
    v1::Job done;
    EXPECT_TRUE(GetJob(job.id(), &done).ok());
    EXPECT_EQ(done.state(), v1::SUCCEEDED) << done.error_message();
    return done;
  }

  std::vector<std::string> DirEntries(const std::string& sub) {
    absl::StatusOr<std::vector<std::string>> entries =
        Env::Default()->ListDirectory(absl::StrCat(options_.data_dir, "/", sub));
    return entries.ok() ? *entries : std::vector<std::string>{"<unreadable>"};
  }

  testing_util::PixelData data_;
  FlnServer::Options options_;
  std::unique_ptr<TestServer> server_;
  v1::Dataset train_;
  v1::Dataset test_;
};

// ------------------------------------------------------------ happy path

TEST_F(FlnServerTest, UploadedCsvIsDescribedAndHashed) {
  const std::string csv = testing_util::ToCsv(data_.train);
  absl::StatusOr<v1::Dataset> uploaded = testing_util::UploadCsv(server_->datasets(), "t", csv);
  ASSERT_TRUE(uploaded.ok()) << uploaded.status();
  EXPECT_TRUE(absl::StartsWith(uploaded->id(), "ds-"));
  EXPECT_EQ(uploaded->num_samples(), 600);
  EXPECT_EQ(uploaded->num_features(), kFeatures);
  EXPECT_EQ(uploaded->num_classes(), kClasses);
  EXPECT_EQ(uploaded->content_hash(), Sha256Hex(csv));
  EXPECT_EQ(uploaded->size_bytes(), static_cast<int64_t>(csv.size()));
  EXPECT_EQ(uploaded->source(), "upload");
}

TEST_F(FlnServerTest, UploadedIdxMatchesTheSameDataAsCsv) {
  v1::UploadHeader header;
  header.set_name("idx");
  header.set_format(v1::IDX);
  absl::StatusOr<v1::Dataset> uploaded = testing_util::Upload(
      server_->datasets(), header,
      {{v1::LABELS, testing_util::ToIdxLabels(data_.train)},  // out of order on purpose
       {v1::IMAGES, testing_util::ToIdxImages(data_.train, 2, 4)}});
  ASSERT_TRUE(uploaded.ok()) << uploaded.status();
  EXPECT_EQ(uploaded->num_samples(), 600);
  EXPECT_EQ(uploaded->num_features(), kFeatures);
  EXPECT_EQ(uploaded->height(), 2);
  EXPECT_EQ(uploaded->width(), 4);
  EXPECT_EQ(uploaded->content_hash(), Sha256Hex(testing_util::ToIdxImages(data_.train, 2, 4) +
                                                testing_util::ToIdxLabels(data_.train)));
}

TEST_F(FlnServerTest, SubmitWatchSucceedThenPredictAndEvaluateAgreeWithTheEngine) {
  UploadData();
  const int kEpochs = 3;
  const v1::Job submitted = SubmitOrDie(JobRequest(kEpochs));
  EXPECT_TRUE(absl::StartsWith(submitted.id(), "job-"));
  EXPECT_EQ(submitted.state(), v1::QUEUED);
  EXPECT_EQ(submitted.schedule().fln().lambda_size(), 1);  // defaults filled in

  WatchResult watched = WatchToEnd(submitted.id());
  ASSERT_TRUE(watched.status.ok()) << watched.status.error_message();
  // QUEUED, RUNNING, (metrics, checkpoint) per epoch, SUCCEEDED; gapless.
  ASSERT_EQ(watched.events.size(), static_cast<size_t>(3 + 2 * kEpochs));
  for (size_t i = 0; i < watched.events.size(); ++i) {
    EXPECT_EQ(watched.events[i].sequence(), static_cast<int64_t>(i + 1));
    EXPECT_EQ(watched.events[i].job_id(), submitted.id());
  }
  EXPECT_EQ(watched.events.front().state().state(), v1::QUEUED);
  EXPECT_EQ(watched.events[1].state().state(), v1::RUNNING);
  for (int e = 1; e <= kEpochs; ++e) {
    const v1::JobEvent& metrics = watched.events[2 * e];
    const v1::JobEvent& checkpoint = watched.events[2 * e + 1];
    ASSERT_TRUE(metrics.has_metrics());
    EXPECT_EQ(metrics.metrics().epoch(), e);
    EXPECT_TRUE(metrics.metrics().end_of_epoch());
    EXPECT_GT(metrics.metrics().produced_at_micros(), 0);
    EXPECT_GE(metrics.metrics().test_accuracy(), 0.0);
    ASSERT_TRUE(checkpoint.has_checkpoint());
    EXPECT_EQ(checkpoint.checkpoint().epoch(), e);
    EXPECT_EQ(checkpoint.checkpoint().model_id(), submitted.id());
  }
  EXPECT_EQ(watched.events.back().state().state(), v1::SUCCEEDED);

  v1::Job done;
  ASSERT_TRUE(GetJob(submitted.id(), &done).ok());
  EXPECT_EQ(done.state(), v1::SUCCEEDED);
  EXPECT_EQ(done.epochs_completed(), kEpochs);
  EXPECT_EQ(done.last_sequence(), static_cast<int64_t>(watched.events.size()));
  EXPECT_EQ(done.latest_metrics().epoch(), kEpochs);

  // The engine's own feed-forward on the stored weights.
  v1::Model model;
  ASSERT_TRUE(GetModel(submitted.id(), /*weights=*/true, &model).ok());
  EXPECT_TRUE(model.final());
  EXPECT_EQ(model.epoch(), kEpochs);
  const v1::Checkpoint& checkpoint = model.checkpoint();
  absl::StatusOr<Network> net = Network::Create(checkpoint.spec());
  ASSERT_TRUE(net.ok());
  ASSERT_TRUE(NetworkFromProto(checkpoint.layers(), &*net).ok());
  Matrix normalised = data_.test.features;
  ASSERT_TRUE(ApplyNormalization(checkpoint.normalization(), &normalised).ok());
  const Matrix logits = net->Logits(normalised);
  Matrix probabilities;
  SoftmaxColumns(logits, &probabilities);
  const std::vector<int32_t> labels = ArgmaxColumns(logits);

  v1::PredictResponse predicted;
  const grpc::Status predict_status = PredictTestSet(submitted.id(), &predicted);
  ASSERT_TRUE(predict_status.ok()) << predict_status.error_message();
  ASSERT_EQ(predicted.predictions_size(), data_.test.num_samples());
  for (int j = 0; j < predicted.predictions_size(); ++j) {
    const v1::Prediction& p = predicted.predictions(j);
    EXPECT_EQ(p.label(), labels[j]) << "sample " << j;
    ASSERT_EQ(p.probabilities_size(), kClasses);
    for (int c = 0; c < kClasses; ++c) {
      EXPECT_NEAR(p.probabilities(c), probabilities(c, j), 1e-6) << "sample " << j;
    }
  }

  const Evaluation engine = Evaluate(*net, normalised, data_.test.labels);
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  v1::EvaluateRequest evaluate;
  evaluate.set_model_id(submitted.id());
  evaluate.set_dataset_id(test_.id());
  v1::EvaluateResponse evaluated;
  ASSERT_TRUE(server_->models()->Evaluate(&context, evaluate, &evaluated).ok());
  EXPECT_EQ(evaluated.samples(), 200);
  EXPECT_EQ(evaluated.accuracy(), engine.accuracy);
  EXPECT_NEAR(evaluated.loss(), engine.mean_loss, 1e-9);
  EXPECT_EQ(evaluated.num_classes(), kClasses);
  EXPECT_EQ(std::vector<int64_t>(evaluated.confusion().begin(), evaluated.confusion().end()),
            engine.confusion);
  // ...and with the test accuracy the job itself reported for its last epoch.
  EXPECT_EQ(evaluated.accuracy(), done.latest_metrics().test_accuracy());
  EXPECT_GT(evaluated.accuracy(), 1.0 / kClasses);  // it learned something
}

// Convolutional models go through the same API unchanged: the pixels are
// read as 2x4 single-channel images.
TEST_F(FlnServerTest, AConvolutionalModelTrainsAndPredictsLikeTheEngine) {
  UploadData();
  v1::SubmitJobRequest request = JobRequest(/*epochs=*/2);
  v1::ModelSpec& spec = *request.mutable_model();
  spec.Clear();
  spec.set_input_size(kFeatures);
  spec.set_input_height(2);
  spec.set_input_width(4);
  spec.set_input_channels(1);
  v1::Conv2dLayer* conv = spec.add_layers()->mutable_conv2d();
  conv->set_filters(4);
  conv->set_kernel_size(2);
  conv->set_padding(v1::VALID);
  spec.add_layers()->mutable_dense()->set_units(kClasses);
  const v1::Job submitted = SubmitOrDie(request);
  WatchResult watched = WatchToEnd(submitted.id());
  ASSERT_TRUE(watched.status.ok()) << watched.status.error_message();
  v1::Job done;
  ASSERT_TRUE(GetJob(submitted.id(), &done).ok());
  ASSERT_EQ(done.state(), v1::SUCCEEDED) << done.error_message();
  EXPECT_EQ(done.latest_metrics().layer_gaps_size(), 1);  // the conv map is lifted

  v1::Model model;
  ASSERT_TRUE(GetModel(submitted.id(), /*weights=*/true, &model).ok());
  absl::StatusOr<Network> net = Network::Create(model.checkpoint().spec());
  ASSERT_TRUE(net.ok()) << net.status();
  ASSERT_TRUE(NetworkFromProto(model.checkpoint().layers(), &*net).ok());
  EXPECT_TRUE(net->layer(0).conv);
  Matrix normalised = data_.test.features;
  ASSERT_TRUE(ApplyNormalization(model.checkpoint().normalization(), &normalised).ok());
  const std::vector<int32_t> labels = ArgmaxColumns(net->Logits(normalised));

  v1::PredictResponse predicted;
  const grpc::Status predict_status = PredictTestSet(submitted.id(), &predicted);
  ASSERT_TRUE(predict_status.ok()) << predict_status.error_message();
  ASSERT_EQ(predicted.predictions_size(), data_.test.num_samples());
  for (int j = 0; j < predicted.predictions_size(); ++j) {
    EXPECT_EQ(predicted.predictions(j).label(), labels[j]) << "sample " << j;
  }
  EXPECT_GT(done.latest_metrics().test_accuracy(), 1.0 / kClasses);
}

TEST_F(FlnServerTest, ModelsListShowsJobsWithCheckpoints) {
  UploadData();
  const v1::Job job = TrainedJob(1);
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  v1::ListModelsResponse list;
  ASSERT_TRUE(server_->models()->List(&context, v1::ListModelsRequest(), &list).ok());
  ASSERT_EQ(list.models_size(), 1);
  EXPECT_EQ(list.models(0).id(), job.id());
  EXPECT_EQ(list.models(0).epoch(), 1);
  EXPECT_TRUE(list.models(0).final());
  EXPECT_FALSE(list.models(0).has_checkpoint());
}

TEST_F(FlnServerTest, HoldoutFractionReportsTestMetrics) {
  UploadData();
  v1::SubmitJobRequest request = JobRequest(1);
  request.clear_test_dataset_id();
  request.set_holdout_fraction(0.25f);
  const v1::Job job = SubmitOrDie(request);
  ASSERT_TRUE(WatchToEnd(job.id()).status.ok());
  v1::Job done;
  ASSERT_TRUE(GetJob(job.id(), &done).ok());
  EXPECT_EQ(done.state(), v1::SUCCEEDED);
  EXPECT_GE(done.latest_metrics().test_accuracy(), 0.0);  // -1 means "no test set"
}

TEST_F(FlnServerTest, SubmitWithAKnownRequestIdReturnsTheFirstJob) {
  UploadData();
  v1::SubmitJobRequest request = JobRequest(1);
  request.set_request_id("retry-me");
  const v1::Job first = SubmitOrDie(request);
  const v1::Job second = SubmitOrDie(request);
  EXPECT_EQ(first.id(), second.id());
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  v1::ListJobsResponse list;
  ASSERT_TRUE(server_->jobs()->List(&context, v1::ListJobsRequest(), &list).ok());
  EXPECT_EQ(list.jobs_size(), 1);
}

// A job whose estimated memory exceeds the budget is refused at submit with
// the estimate and the limit, instead of aborting the server mid-training;
// the server keeps serving.
TEST_F(FlnServerTest, AJobOverTheMemoryBudgetIsRefusedAtSubmit) {
  FlnServer::Options options = Options();
  options.max_job_memory_bytes = 64 << 20;
  server_.reset();
  Start(options);
  UploadData();
  v1::SubmitJobRequest request = JobRequest(1);
  request.mutable_model()->mutable_layers(0)->mutable_dense()->set_units(65536);
  request.mutable_schedule()->set_batch_size(60000);
  const absl::StatusOr<v1::Job> refused = testing_util::Submit(server_->jobs(), request);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted) << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "estimated")) << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "limit of 64 MiB"))
      << refused.status();
  EXPECT_EQ(WatchToEnd(SubmitOrDie(JobRequest(1)).id()).status.error_code(), grpc::StatusCode::OK);
}

// A watcher's slot frees soon after its client leaves, not at the next
// heartbeat (10 s here).
TEST_F(FlnServerTest, AWatcherSlotFreesPromptlyWhenTheClientLeaves) {
  FlnServer::Options options = Options();
  options.max_watchers = 1;
  options.heartbeat = absl::Seconds(10);
  server_.reset();
  Start(options);
  UploadData();
  const v1::Job running = SubmitOrDie(JobRequest(10000));
  // Queued behind it (max_jobs 1): a job with no events to wake its watcher.
  const v1::Job quiet = SubmitOrDie(JobRequest(1));
  const WatchResult first = testing_util::Watch(server_->jobs(), quiet.id(), 0, kWaitLimit,
                                                [](const v1::JobEvent&) { return true; });
  EXPECT_EQ(first.status.error_code(), grpc::StatusCode::CANCELLED);
  absl::SleepFor(absl::Seconds(1));
  const WatchResult second = testing_util::Watch(server_->jobs(), quiet.id(), 0, kWaitLimit,
                                                 [](const v1::JobEvent&) { return true; });
  EXPECT_EQ(second.status.error_code(), grpc::StatusCode::CANCELLED)
      << "the slot was still taken: " << second.status.error_message();
  v1::Job cancelled;
  ASSERT_TRUE(Cancel(quiet.id(), &cancelled).ok());
  ASSERT_TRUE(Cancel(running.id(), &cancelled).ok());
}

// Without SO_REUSEPORT a second server cannot take a port the first holds
// (the kernel would otherwise split the connections between them).
TEST_F(FlnServerTest, ASecondServerOnABusyPortFailsToStart) {
  FlnServer::Options options = Options();
  options.listen = server_->server()->address();
  options.data_dir = testing_util::FreshDir("second_data");
  absl::StatusOr<std::unique_ptr<TestServer>> second = TestServer::Start(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
}

// Idempotency comes before the queue limit: a retry gets its job back when
// the queue has filled since, and a request_id reused for a different
// request is refused instead of silently returning the first job.
TEST_F(FlnServerTest, RetriedSubmitUnderAFullQueueReturnsTheOriginalJob) {
  FlnServer::Options options = Options();
  options.max_jobs = 1;
  options.max_queued_jobs = 1;
  server_.reset();
  Start(options);
  UploadData();
  const v1::Job running = SubmitOrDie(JobRequest(10000));
  v1::Job job;
  for (int i = 0; i < 500 && job.state() != v1::RUNNING; ++i) {
    ASSERT_TRUE(GetJob(running.id(), &job).ok());
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(job.state(), v1::RUNNING);
  v1::SubmitJobRequest request = JobRequest(1);
  request.set_request_id("retry-me");
  const v1::Job queued = SubmitOrDie(request);  // fills the queue
  const absl::StatusOr<v1::Job> retried = testing_util::Submit(server_->jobs(), request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->id(), queued.id());
  EXPECT_EQ(testing_util::Submit(server_->jobs(), JobRequest(1)).status().code(),
            absl::StatusCode::kResourceExhausted);
  request.set_name("another");
  const absl::StatusOr<v1::Job> reused = testing_util::Submit(server_->jobs(), request);
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kAlreadyExists) << reused.status();
  EXPECT_TRUE(absl::StrContains(reused.status().message(), queued.id())) << reused.status();
  ASSERT_TRUE(Cancel(running.id(), &job).ok());
  ASSERT_TRUE(Cancel(queued.id(), &job).ok());
}

TEST_F(FlnServerTest, ListJobsPagesNewestFirst) {
  UploadData();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(SubmitOrDie(JobRequest(10000)).id());
  std::vector<std::string> listed;
  std::string token;
  do {
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    v1::ListJobsRequest request;
    request.set_page_size(2);
    request.set_page_token(token);
    v1::ListJobsResponse page;
    ASSERT_TRUE(server_->jobs()->List(&context, request, &page).ok());
    for (const v1::Job& job : page.jobs()) listed.push_back(job.id());
    token = page.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(listed, std::vector<std::string>(ids.rbegin(), ids.rend()));
  for (const std::string& id : ids) {
    v1::Job ignored;
    Cancel(id, &ignored);
  }
}

// ---------------------------------------------------------------- cancel

TEST_F(FlnServerTest, CancelStopsARunningJobWithinOneBatch) {
  server_.reset();
  FlnServer::Options options = Options();
  options.report_batches = true;  // a metric per batch makes batches visible
  Start(options);
  UploadData();
  const v1::Job job = SubmitOrDie(JobRequest(/*epochs=*/10000));
  // Wait until it is training (its first batch report).
  WatchResult started = testing_util::Watch(server_->jobs(), job.id(), 0, kWaitLimit,
                                            [](const v1::JobEvent& e) { return e.has_metrics(); });
  ASSERT_FALSE(started.events.empty());
  ASSERT_TRUE(started.events.back().has_metrics());

  const absl::Time cancelled_at = absl::Now();
  v1::Job cancelling;
  ASSERT_TRUE(Cancel(job.id(), &cancelling).ok());
  EXPECT_EQ(cancelling.state(), v1::RUNNING);
  EXPECT_TRUE(cancelling.cancel_requested());

  WatchResult rest = WatchToEnd(job.id(), cancelling.last_sequence() + 1);
  ASSERT_TRUE(rest.status.ok()) << rest.status.error_message();
  ASSERT_FALSE(rest.events.empty());
  int batches_after_cancel = 0;
  for (const v1::JobEvent& e : rest.events) batches_after_cancel += e.has_metrics() ? 1 : 0;
  EXPECT_LE(batches_after_cancel, 1) << "only the batch in flight may finish";
  EXPECT_EQ(rest.events.back().state().state(), v1::CANCELLED);
  EXPECT_TRUE(absl::StrContains(rest.events.back().state().message(), "cancelled"));
  EXPECT_LT(absl::Now() - cancelled_at, absl::Seconds(20));

  v1::Job again;
  const grpc::Status status = Cancel(job.id(), &again);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "already ended")) << status.error_message();
}

TEST_F(FlnServerTest, CancellingAQueuedJobEndsItAtOnceWithoutAModel) {
  UploadData();
  const v1::Job running = SubmitOrDie(JobRequest(10000));  // occupies the only worker
  const v1::Job queued = SubmitOrDie(JobRequest(1));
  v1::Job cancelled;
  ASSERT_TRUE(Cancel(queued.id(), &cancelled).ok());
  EXPECT_EQ(cancelled.state(), v1::CANCELLED);
  WatchResult watched = WatchToEnd(queued.id());
  ASSERT_TRUE(watched.status.ok());
  ASSERT_EQ(watched.events.size(), 2u);
  EXPECT_EQ(watched.events[1].state().state(), v1::CANCELLED);

  v1::PredictRequest predict;
  predict.set_model_id(queued.id());
  predict.set_num_samples(1);
  for (int i = 0; i < kFeatures; ++i) predict.add_inputs(1.0f);
  v1::PredictResponse response;
  EXPECT_EQ(Predict(predict, &response).error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  v1::Job ignored;
  ASSERT_TRUE(Cancel(running.id(), &ignored).ok());
  WatchToEnd(running.id());
}

// --------------------------------------------------------------- watching

TEST_F(FlnServerTest, TwoWatchersSeeTheSameStreamAndAReconnectMissesNothing) {
  UploadData();
  const v1::Job job = SubmitOrDie(JobRequest(4));
  WatchResult first, second;
  std::vector<v1::JobEvent> reconnected;
  std::thread a([&] { first = WatchToEnd(job.id()); });
  std::thread b([&] { second = WatchToEnd(job.id()); });
  std::thread c([&] {
    // Drops the stream after its third event, then resumes from the next.
    WatchResult part = testing_util::Watch(server_->jobs(), job.id(), 0, kWaitLimit,
                                           [n = 0](const v1::JobEvent&) mutable { return ++n == 3; });
    reconnected = part.events;
    const int64_t next = reconnected.empty() ? 1 : reconnected.back().sequence() + 1;
    WatchResult rest = WatchToEnd(job.id(), next);
    EXPECT_TRUE(rest.status.ok()) << rest.status.error_message();
    reconnected.insert(reconnected.end(), rest.events.begin(), rest.events.end());
  });
  a.join();
  b.join();
  c.join();
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();
  ASSERT_TRUE(second.status.ok()) << second.status.error_message();
  ASSERT_EQ(first.events.size(), static_cast<size_t>(3 + 2 * 4));
  ASSERT_EQ(second.events.size(), first.events.size());
  ASSERT_EQ(reconnected.size(), first.events.size());
  for (size_t i = 0; i < first.events.size(); ++i) {
    EXPECT_EQ(first.events[i].SerializeAsString(), second.events[i].SerializeAsString()) << i;
    EXPECT_EQ(first.events[i].SerializeAsString(), reconnected[i].SerializeAsString()) << i;
  }
}

TEST_F(FlnServerTest, AQuietWatchGetsHeartbeatsCarryingTheLastSequence) {
  UploadData();
  const v1::Job running = SubmitOrDie(JobRequest(10000));
  const v1::Job queued = SubmitOrDie(JobRequest(1));  // waits behind `running`
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  v1::WatchJobRequest request;
  request.set_job_id(queued.id());
  std::unique_ptr<grpc::ClientReader<v1::JobEvent>> reader =
      server_->jobs()->Watch(&context, request);
  v1::JobEvent event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.state().state(), v1::QUEUED);
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_TRUE(event.has_heartbeat());
  EXPECT_EQ(event.sequence(), 1);
  context.TryCancel();
  reader->Finish();
  v1::Job ignored;
  Cancel(running.id(), &ignored);
  Cancel(queued.id(), &ignored);
  WatchToEnd(running.id());
}

TEST_F(FlnServerTest, WatchingPastTheEndOfAFinishedJobIsOutOfRange) {
  UploadData();
  const v1::Job job = TrainedJob(1);
  WatchResult past = WatchToEnd(job.id(), job.last_sequence() + 1);
  EXPECT_EQ(past.status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  WatchResult last = WatchToEnd(job.id(), job.last_sequence());
  ASSERT_TRUE(last.status.ok());
  ASSERT_EQ(last.events.size(), 1u);
  EXPECT_EQ(last.events[0].state().state(), v1::SUCCEEDED);
}

TEST_F(FlnServerTest, AWatchFromBeyondTheEndIsOutOfRangeOnceTheJobEnds) {
  UploadData();
  const v1::Job job = SubmitOrDie(JobRequest(10000));
  WatchResult ahead;
  std::thread watcher([&] { ahead = WatchToEnd(job.id(), 1000000); });
  v1::Job ignored;
  ASSERT_TRUE(Cancel(job.id(), &ignored).ok());
  watcher.join();
  EXPECT_EQ(ahead.status.error_code(), grpc::StatusCode::OUT_OF_RANGE)
      << ahead.status.error_message();
  EXPECT_TRUE(ahead.events.empty());
}

// ------------------------------------------------------- invalid requests

TEST_F(FlnServerTest, UnknownIdsAreNotFound) {
  UploadData();
  {
    v1::Job job;
    EXPECT_EQ(GetJob("job-nope", &job).error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(Cancel("job-nope", &job).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    v1::GetDatasetRequest request;
    request.set_id("ds-nope");
    v1::Dataset dataset;
    EXPECT_EQ(server_->datasets()->Get(&context, request, &dataset).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    v1::DeleteDatasetRequest request;
    request.set_id("ds-nope");
    v1::DeleteDatasetResponse response;
    EXPECT_EQ(server_->datasets()->Delete(&context, request, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    v1::Model model;
    const grpc::Status status = GetModel("job-nope", false, &model);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_TRUE(absl::StrContains(status.error_message(), "job-nope"));
  }
  EXPECT_EQ(WatchToEnd("job-nope").status.error_code(), grpc::StatusCode::NOT_FOUND);
  {
    v1::SubmitJobRequest request = JobRequest(1);
    request.set_train_dataset_id("ds-nope");
    absl::StatusOr<v1::Job> job = testing_util::Submit(server_->jobs(), request);
    EXPECT_EQ(job.status().code(), absl::StatusCode::kNotFound);
    EXPECT_TRUE(absl::StrContains(job.status().message(), "train_dataset_id"));
  }
  {
    grpc::ClientContext context;
    v1::ImportDatasetRequest request;
    request.set_builtin("imagenet");
    v1::ImportDatasetResponse response;
    EXPECT_EQ(server_->datasets()->Import(&context, request, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    const v1::Job job = TrainedJob(1);
    grpc::ClientContext context;
    v1::EvaluateRequest request;
    request.set_model_id(job.id());
    request.set_dataset_id("ds-nope");
    v1::EvaluateResponse response;
    EXPECT_EQ(server_->models()->Evaluate(&context, request, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
}

TEST_F(FlnServerTest, PredictRejectsWrongWidthNonFiniteAndEmptyInputs) {
  UploadData();
  const v1::Job job = TrainedJob(1);
  v1::PredictRequest request;
  request.set_model_id(job.id());
  request.set_num_samples(2);
  for (int i = 0; i < 2 * kFeatures - 1; ++i) request.add_inputs(0.5f);  // one short
  v1::PredictResponse response;
  grpc::Status status = Predict(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "input_size 8")) << status.error_message();

  request.add_inputs(NAN);
  status = Predict(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "sample 1, feature 7"))
      << status.error_message();

  request.set_num_samples(0);
  request.clear_inputs();
  EXPECT_EQ(Predict(request, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // A good request still works afterwards.
  request.set_num_samples(1);
  for (int i = 0; i < kFeatures; ++i) request.add_inputs(100.0f);
  EXPECT_TRUE(Predict(request, &response).ok());
}

TEST_F(FlnServerTest, InvalidSchedulesAndSpecsAreRejectedNamingTheField) {
  UploadData();
  struct Case {
    std::string name;
    std::function<void(v1::SubmitJobRequest*)> edit;
    grpc::StatusCode code;
    std::string mentions;
  };
  const std::vector<Case> cases = {
      {"negative lambda",
       [](v1::SubmitJobRequest* r) { r->mutable_schedule()->mutable_fln()->add_lambda(-1.0f); },
       grpc::StatusCode::INVALID_ARGUMENT, "schedule.fln.lambda"},
      {"zero batch size", [](v1::SubmitJobRequest* r) { r->mutable_schedule()->set_batch_size(0); },
       grpc::StatusCode::INVALID_ARGUMENT, "schedule.batch_size"},
      {"zero epochs", [](v1::SubmitJobRequest* r) { r->mutable_schedule()->set_epochs(0); },
       grpc::StatusCode::INVALID_ARGUMENT, "schedule.epochs"},
      {"wrong input width", [](v1::SubmitJobRequest* r) { r->mutable_model()->set_input_size(9); },
       grpc::StatusCode::INVALID_ARGUMENT, "input_size"},
      {"too few output units",
       [](v1::SubmitJobRequest* r) {
         r->mutable_model()->mutable_layers(1)->mutable_dense()->set_units(2);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "classes"},
      {"no layers", [](v1::SubmitJobRequest* r) { r->mutable_model()->clear_layers(); },
       grpc::StatusCode::INVALID_ARGUMENT, "model.layers"},
      {"holdout of 1.5", [](v1::SubmitJobRequest* r) {
         r->clear_test_dataset_id();
         r->set_holdout_fraction(1.5f);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "holdout_fraction"},
      {"holdout and test set", [](v1::SubmitJobRequest* r) { r->set_holdout_fraction(0.5f); },
       grpc::StatusCode::INVALID_ARGUMENT, "holdout_fraction"},
      {"no train dataset", [](v1::SubmitJobRequest* r) { r->clear_train_dataset_id(); },
       grpc::StatusCode::INVALID_ARGUMENT, "train_dataset_id"},
  };
  for (const Case& c : cases) {
    v1::SubmitJobRequest request = JobRequest(1);
    c.edit(&request);
    grpc::ClientContext context;
    v1::Job job;
    const grpc::Status status = server_->jobs()->Submit(&context, request, &job);
    EXPECT_EQ(status.error_code(), c.code) << c.name << ": " << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), c.mentions))
        << c.name << ": " << status.error_message();
  }
  grpc::ClientContext context;
  v1::ListJobsResponse list;
  ASSERT_TRUE(server_->jobs()->List(&context, v1::ListJobsRequest(), &list).ok());
  EXPECT_EQ(list.jobs_size(), 0) << "a rejected submit stores nothing";
}

TEST_F(FlnServerTest, MalformedUploadsAreInvalidArgumentAndLeaveNothingBehind) {
  UploadData();
  v1::UploadHeader csv;
  csv.set_name("bad");
  csv.set_format(v1::CSV);
  v1::UploadHeader idx = csv;
  idx.set_format(v1::IDX);
  std::string bad_magic = testing_util::ToIdxImages(data_.train, 2, 4);
  bad_magic[3] = 0x07;
  struct Case {
    std::string name;
    v1::UploadHeader header;
    std::vector<std::pair<v1::DatasetPart, std::string>> parts;
    std::string mentions;
  };
  const std::vector<Case> cases = {
      {"header only", csv, {}, "empty upload"},
      {"empty csv part", csv, {{v1::CSV_TABLE, ""}}, "empty upload"},
      {"ragged csv", csv, {{v1::CSV_TABLE, "1,2,3\n0,1\n"}}, "line 2"},
      {"non-numeric csv", csv, {{v1::CSV_TABLE, "1,2,3\n0,x,1\n"}}, "line 2"},
      {"idx without labels", idx, {{v1::IMAGES, testing_util::ToIdxImages(data_.train, 2, 4)}},
       "LABELS"},
      {"bad idx magic", idx,
       {{v1::IMAGES, bad_magic}, {v1::LABELS, testing_util::ToIdxLabels(data_.train)}}, "magic"},
      {"csv part in an idx upload", idx, {{v1::CSV_TABLE, "1,2\n"}}, "chunk.part"},
      {"no format", v1::UploadHeader(), {{v1::CSV_TABLE, "1,2\n"}}, "header.format"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<v1::Dataset> uploaded =
        testing_util::Upload(server_->datasets(), c.header, c.parts);
    EXPECT_EQ(uploaded.status().code(), absl::StatusCode::kInvalidArgument)
        << c.name << ": " << uploaded.status();
    EXPECT_TRUE(absl::StrContains(uploaded.status().message(), c.mentions))
        << c.name << ": " << uploaded.status();
    EXPECT_FALSE(absl::StrContains(uploaded.status().message(), options_.data_dir))
        << c.name << " names a server path: " << uploaded.status();
  }
  // A stream with no header first, and an empty stream.
  for (bool send_chunk : {true, false}) {
    grpc::ClientContext context;
    v1::Dataset response;
    auto writer = server_->datasets()->Upload(&context, &response);
    if (send_chunk) {
      v1::UploadDatasetRequest chunk;
      chunk.mutable_chunk()->set_part(v1::CSV_TABLE);
      chunk.mutable_chunk()->set_data("1,2\n");
      writer->Write(chunk);
    }
    writer->WritesDone();
    const grpc::Status status = writer->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  }

  grpc::ClientContext context;
  v1::ListDatasetsResponse list;
  ASSERT_TRUE(server_->datasets()->List(&context, v1::ListDatasetsRequest(), &list).ok());
  EXPECT_EQ(list.datasets_size(), 2) << "only the two good uploads";
  EXPECT_EQ(DirEntries("datasets").size(), 2u);
  EXPECT_TRUE(DirEntries("tmp").empty());
}

TEST_F(FlnServerTest, AnOversizeUploadIsResourceExhaustedNamingTheFlag) {
  server_.reset();
  FlnServer::Options options = Options();
  options.max_upload_bytes = 4096;
  Start(options);
  const std::string csv = testing_util::ToCsv(data_.train);  // ~12 KB
  ASSERT_GT(csv.size(), 4096u);
  absl::StatusOr<v1::Dataset> uploaded = testing_util::Upload(
      server_->datasets(), [] {
        v1::UploadHeader h;
        h.set_format(v1::CSV);
        return h;
      }(), {{v1::CSV_TABLE, csv}}, /*chunk_bytes=*/1024);
  EXPECT_EQ(uploaded.status().code(), absl::StatusCode::kResourceExhausted) << uploaded.status();
  EXPECT_TRUE(absl::StrContains(uploaded.status().message(), "--max_upload_bytes"))
      << uploaded.status();
  EXPECT_TRUE(DirEntries("datasets").empty());
  // The upload's temporary files are removed once the handler returns.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!DirEntries("tmp").empty() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(DirEntries("tmp").empty());
  // A small upload still fits.
  EXPECT_TRUE(testing_util::UploadCsv(server_->datasets(), "small", "0,1\n1,2\n").ok());
}

TEST_F(FlnServerTest, DeletingADatasetInUseFailsUntilTheJobEnds) {
  UploadData();
  const v1::Job job = SubmitOrDie(JobRequest(10000));
  auto remove = [&](const std::string& id) {
    grpc::ClientContext context;
    v1::DeleteDatasetRequest request;
    request.set_id(id);
    v1::DeleteDatasetResponse response;
    return server_->datasets()->Delete(&context, request, &response);
  };
  const grpc::Status in_use = remove(train_.id());
  EXPECT_EQ(in_use.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(in_use.error_message(), job.id())) << in_use.error_message();
  v1::Job ignored;
  ASSERT_TRUE(Cancel(job.id(), &ignored).ok());
  ASSERT_TRUE(WatchToEnd(job.id()).status.ok());
  EXPECT_TRUE(remove(train_.id()).ok());
  v1::Dataset gone;
  grpc::ClientContext context;
  v1::GetDatasetRequest get;
  get.set_id(train_.id());
  EXPECT_EQ(server_->datasets()->Get(&context, get, &gone).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(FlnServerTest, ImportWithoutTheBuiltinFilesIsAFailedPreconditionNamingTheFlag) {
  grpc::ClientContext context;
  v1::ImportDatasetRequest request;
  request.set_builtin("fashion-mnist");
  v1::ImportDatasetResponse response;
  const grpc::Status status = server_->datasets()->Import(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "--builtin_dir")) << status.error_message();
}

// ------------------------------------------------ health and reflection

grpc::Status HealthCheck(grpc::Channel* channel, const std::string& service,
                         grpc::health::v1::HealthCheckResponse* response) {
  static const grpc::internal::RpcMethod kCheck("/grpc.health.v1.Health/Check",
                                                grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  return grpc::internal::BlockingUnaryCall(channel, kCheck, &context, request, response);
}

TEST_F(FlnServerTest, HealthIsServingAndReflectionDescribesEveryService) {
  grpc::health::v1::HealthCheckResponse health;
  ASSERT_TRUE(HealthCheck(server_->channel().get(), "", &health).ok());
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  ASSERT_TRUE(HealthCheck(server_->channel().get(), "fln.v1.Jobs", &health).ok());
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  using grpc::reflection::v1alpha::ServerReflection;
  using grpc::reflection::v1alpha::ServerReflectionRequest;
  using grpc::reflection::v1alpha::ServerReflectionResponse;
  auto stub = ServerReflection::NewStub(server_->channel());
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  auto stream = stub->ServerReflectionInfo(&context);
  ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> services;
  for (const auto& s : response.list_services_response().service()) services.push_back(s.name());
  for (const char* expected : {"fln.v1.Datasets", "fln.v1.Jobs", "fln.v1.Models",
                               "grpc.health.v1.Health"}) {
    EXPECT_NE(std::find(services.begin(), services.end(), expected), services.end()) << expected;
  }
  for (const char* symbol : {"grpc.health.v1.Health", "fln.v1.Jobs", "fln.v1.Checkpoint"}) {
    request.set_file_containing_symbol(symbol);
    ASSERT_TRUE(stream->Write(request));
    ASSERT_TRUE(stream->Read(&response));
    EXPECT_FALSE(response.has_error_response())
        << symbol << ": " << response.error_response().error_message();
    EXPECT_GT(response.file_descriptor_response().file_descriptor_proto_size(), 0) << symbol;
  }
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

// ---------------------------------------------- shutdown and restart

TEST_F(FlnServerTest, GracefulShutdownKeepsTheJobRunningAndARestartResumesIt) {
  server_.reset();
  FlnServer::Options options = Options();
  options.after_checkpoint = testing_util::PauseAfterEpoch(1);  // so the shutdown interrupts it
  Start(options);
  UploadData();
  const int kEpochs = 10;
  const v1::Job job = SubmitOrDie(JobRequest(kEpochs));
  // Stop right after the first checkpoint; a second watcher is cut off.
  WatchResult until_checkpoint =
      testing_util::Watch(server_->jobs(), job.id(), 0, kWaitLimit,
                          [](const v1::JobEvent& e) { return e.has_checkpoint(); });
  ASSERT_FALSE(until_checkpoint.events.empty());
  WatchResult cut_off;
  absl::Notification watching;
  std::thread watcher([&] {
    cut_off = testing_util::Watch(server_->jobs(), job.id(), 0, kWaitLimit,
                                  [&](const v1::JobEvent&) {
                                    if (!watching.HasBeenNotified()) watching.Notify();
                                    return false;
                                  });
  });
  // Stop while the watch is being served (not while it is still connecting,
  // when gRPC itself may answer CANCELLED).
  watching.WaitForNotification();
  server_->Stop();
  watcher.join();
  EXPECT_EQ(cut_off.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << cut_off.status.error_message();

  options.after_checkpoint = nullptr;
  Start(options);  // same data_dir
  v1::Job after_restart;
  ASSERT_TRUE(GetJob(job.id(), &after_restart).ok());
  EXPECT_EQ(after_restart.epochs_completed(), 1);
  WatchResult history = WatchToEnd(job.id());
  ASSERT_TRUE(history.status.ok()) << history.status.error_message();
  EXPECT_EQ(history.events.back().state().state(), v1::SUCCEEDED);
  std::vector<int> metric_epochs;
  int resumed = 0;
  for (size_t i = 0; i < history.events.size(); ++i) {
    const v1::JobEvent& e = history.events[i];
    EXPECT_EQ(e.sequence(), static_cast<int64_t>(i + 1));
    if (e.has_metrics()) metric_epochs.push_back(e.metrics().epoch());
    if (e.has_resumed()) {
      ++resumed;
      EXPECT_EQ(e.resumed().from_epoch(), 1);
    }
    // What watchers saw before the shutdown is still the history.
    if (i < until_checkpoint.events.size()) {
      EXPECT_EQ(e.SerializeAsString(), until_checkpoint.events[i].SerializeAsString());
    }
  }
  EXPECT_EQ(resumed, 1);
  std::vector<int> every_epoch(kEpochs);
  for (int e = 0; e < kEpochs; ++e) every_epoch[e] = e + 1;
  EXPECT_EQ(metric_epochs, every_epoch) << "one metric record per epoch, none lost or repeated";

  // Same seed and threads, uninterrupted: the same weights, bit for bit.
  const v1::Job reference = SubmitOrDie(JobRequest(kEpochs));
  ASSERT_TRUE(WatchToEnd(reference.id()).status.ok());
  v1::Model resumed_model, reference_model;
  ASSERT_TRUE(GetModel(job.id(), true, &resumed_model).ok());
  ASSERT_TRUE(GetModel(reference.id(), true, &reference_model).ok());
  ASSERT_EQ(resumed_model.checkpoint().layers_size(), 2);
  for (int l = 0; l < 2; ++l) {
    EXPECT_EQ(resumed_model.checkpoint().layers(l).SerializeAsString(),
              reference_model.checkpoint().layers(l).SerializeAsString())
        << "layer " << l;
  }
}

TEST_F(FlnServerTest, ASecondServerOnTheSameDataDirIsRefused) {
  absl::StatusOr<std::unique_ptr<FlnServer>> second = FlnServer::Start(options_);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition) << second.status();
}

TEST_F(FlnServerTest, ACorruptCheckpointIsDataLossNotGarbage) {
  UploadData();
  const v1::Job job = TrainedJob(1);
  const std::string path = absl::StrCat(options_.data_dir, "/checkpoints/", job.id(), ".ckpt");
  absl::StatusOr<std::string> bytes = ReadFileToString(Env::Default(), path);
  ASSERT_TRUE(bytes.ok());
  (*bytes)[bytes->size() / 2] ^= 0x40;
  ASSERT_TRUE(WriteFileAtomically(Env::Default(), path, *bytes).ok());
  v1::Model model;
  EXPECT_EQ(GetModel(job.id(), false, &model).error_code(), grpc::StatusCode::DATA_LOSS);
}

}  // namespace
}  // namespace fln
