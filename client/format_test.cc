#include "client/format.h"

#include "gtest/gtest.h"

namespace fln {
namespace client {
namespace {

v1::MetricRecord FlnEpoch() {
  v1::MetricRecord m;
  m.set_epoch(3);
  m.set_end_of_epoch(true);
  m.set_train_loss(0.41);
  m.set_train_accuracy(0.861);
  m.set_test_loss(0.45);
  m.set_test_accuracy(0.849);
  m.set_has_relaxed_objective(true);
  m.set_relaxed_objective_start(4.1);
  m.set_relaxed_objective(2.33);
  m.add_relaxed_gap_terms(0.02);
  m.add_layer_gaps(0.01);
  m.add_lambda(2);
  m.set_elapsed_seconds(12.34);
  return m;
}

TEST(FormatTest, ProgressLineMatchesTheDocumentedShape) {
  EXPECT_EQ(ProgressLine(FlnEpoch(), 20),
            "epoch 3/20  train_loss 0.41  train_accuracy 86.1%  test_accuracy 84.9%  "
            "relaxed_objective_start 4.1  relaxed_objective 2.33  relaxed_gap_terms [0.02]  "
            "layer_gaps [0.01]  lambda [2]  12.3s");
}

TEST(FormatTest, ProgressLineOmitsMissingTestAndLiftedFigures) {
  v1::MetricRecord m = FlnEpoch();
  m.set_test_accuracy(-1);
  m.set_has_relaxed_objective(false);
  EXPECT_EQ(ProgressLine(m, 5), "epoch 3/5  train_loss 0.41  train_accuracy 86.1%  12.3s");
}

TEST(FormatTest, ProgressLineOfABatchNamesTheBatch) {
  v1::MetricRecord m = FlnEpoch();
  m.set_end_of_epoch(false);
  m.set_batch(5);
  m.set_num_batches(120);
  m.set_batch_loss(0.38);
  m.set_train_loss(-1);
  m.set_train_accuracy(-1);
  m.set_test_accuracy(-1);
  EXPECT_EQ(ProgressLine(m, 20),
            "epoch 3/20 batch 5/120  batch_loss 0.38  relaxed_objective_start 4.1  "
            "relaxed_objective 2.33  relaxed_gap_terms [0.02]  layer_gaps [0.01]  lambda [2]  "
            "12.3s");
}

TEST(FormatTest, MetricsJsonHasTheKeysScriptsRead) {
  v1::JobEvent event;
  event.set_sequence(7);
  event.set_job_id("j1");
  *event.mutable_metrics() = FlnEpoch();
  const std::string json = MetricsJson(event, 20);
  for (const char* key : {R"("epoch":3)", R"("sequence":7)", R"("test_accuracy":0.849)",
                          R"("train_loss":0.41)", R"("relaxed_objective":2.33)",
                          R"("relaxed_objective_start":4.1)", R"("layer_gaps":[0.01])",
                          R"("seconds":12.34)", R"("end_of_epoch":true)"}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " in " << json;
  }
}

TEST(FormatTest, FailedSummaryCarriesCodeAndMessage) {
  v1::Job job;
  job.set_id("j1");
  job.set_state(v1::FAILED);
  job.set_error_code(3);
  job.set_error_message("schedule.batch_size must be > 0, got 0");
  EXPECT_EQ(WatchSummary(job),
            "job j1 FAILED: INVALID_ARGUMENT: schedule.batch_size must be > 0, got 0");
  const std::string json = WatchSummaryJson(job, 4);
  EXPECT_NE(json.find(R"("state":"FAILED")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("error":"INVALID_ARGUMENT: schedule.batch_size)"), std::string::npos)
      << json;
}

TEST(FormatTest, JobDetailsShowTheModelShape) {
  v1::Job job;
  job.mutable_model()->set_input_size(784);
  job.mutable_model()->add_layers()->mutable_conv2d()->set_filters(6);
  job.mutable_model()->mutable_layers(0)->mutable_conv2d()->set_kernel_size(5);
  job.mutable_model()->add_layers()->mutable_avg_pool();
  job.mutable_model()->add_layers()->mutable_dense()->set_units(10);
  EXPECT_NE(JobDetails(job).find("model:     784 -> conv 6@5x5 -> avgpool 2 -> 10"),
            std::string::npos)
      << JobDetails(job);
}

TEST(FormatTest, EvaluationJsonHasConfusionRows) {
  v1::EvaluateResponse r;
  r.set_samples(4);
  r.set_accuracy(0.75);
  r.set_loss(0.5);
  r.set_num_classes(2);
  for (int64_t c : {2, 0, 1, 1}) r.add_confusion(c);
  EXPECT_EQ(EvaluationJson(r, "j1", "d1"),
            R"({"model_id":"j1","dataset_id":"d1","samples":4,"accuracy":0.75,"loss":0.5,)"
            R"("num_classes":2,"confusion":[[2,0],[1,1]]})");
  EXPECT_NE(EvaluationText(r).find("accuracy 75.00%"), std::string::npos);
}

}  // namespace
}  // namespace client
}  // namespace fln
