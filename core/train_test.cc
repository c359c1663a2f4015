#include "core/train.h"

#include <atomic>
#include <vector>

#include "core/network.h"
#include "core/tensor_proto.h"
#include "gtest/gtest.h"
#include "tests/teacher_dataset.h"

namespace fln {
namespace {

v1::ModelSpec Mlp(int input, int hidden, int classes) {
  v1::ModelSpec spec;
  spec.set_input_size(input);
  spec.add_layers()->mutable_dense()->set_units(hidden);
  spec.add_layers()->mutable_dense()->set_units(classes);
  return spec;
}

v1::Schedule FlnSchedule(int epochs) {
  v1::Schedule schedule;
  schedule.set_method(v1::FLN);
  schedule.set_epochs(epochs);
  schedule.set_batch_size(100);
  schedule.set_seed(3);
  schedule.mutable_fln()->add_rho_d(1.0f);
  return schedule;
}

v1::Schedule AdamSchedule(int epochs) {
  v1::Schedule schedule;
  schedule.set_method(v1::BACKPROP);
  schedule.set_epochs(epochs);
  schedule.set_batch_size(50);
  schedule.set_seed(3);
  schedule.mutable_backprop()->set_learning_rate(1e-2f);
  return schedule;
}

class TrainTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new TeacherData(MakeTeacherData(5, 4, 3, 4000, 1000, 21));
  }
  static void TearDownTestSuite() { delete data_; }
  static TeacherData* data_;
};
TeacherData* TrainTest::data_ = nullptr;

TEST_F(TrainTest, FlnLearnsATeacherNetwork) {
  std::vector<ProgressReport> reports;
  TrainingHooks hooks;
  hooks.on_progress = [&](const ProgressReport& r) { reports.push_back(r); };
  v1::Schedule schedule = FlnSchedule(30);
  schedule.mutable_fln()->add_c(1.0f);
  absl::StatusOr<v1::Checkpoint> result =
      Train(Mlp(5, 64, 3), schedule, data_->train, &data_->test, hooks);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(reports.size(), 30u);
  EXPECT_GE(reports.back().test_accuracy, 0.95);
  for (const ProgressReport& r : reports) {
    ASSERT_TRUE(r.has_relaxed_objective);
    EXPECT_GT(r.relaxed_end.total, 0.0);
    EXPECT_LE(r.relaxed_end.total, r.relaxed_start.total * (1 + 1e-6)) << "epoch " << r.epoch;
    EXPECT_NEAR(r.relaxed_end.total,
                r.relaxed_end.loss_term + r.relaxed_end.weighted_gaps[0] +
                    r.relaxed_end.proximal + r.relaxed_end.ridge,
                1e-9 * r.relaxed_end.total);
    // The warm start is feed-forward: F there is w_L times the batch loss.
    EXPECT_NEAR(r.relaxed_start.total, r.weights.loss_weight() * r.batch_loss,
                1e-6 * r.relaxed_start.total);
  }
  EXPECT_EQ(reports.back().relaxed_end.gaps.size(), 1u);
  EXPECT_LT(reports.back().train_loss, reports.front().train_loss);
  EXPECT_EQ(result->state().epochs_completed(), 30);
}

// Schedule.report_batches: a report after every batch with that batch's own
// figures, then the epoch's report with the means over its batches.
TEST_F(TrainTest, BatchReportsCarryTheirBatchsFigures) {
  std::vector<ProgressReport> reports;
  TrainingHooks hooks;
  hooks.on_progress = [&](const ProgressReport& r) { reports.push_back(r); };
  v1::Schedule schedule = FlnSchedule(2);
  schedule.set_report_batches(true);
  ASSERT_TRUE(Train(Mlp(5, 16, 3), schedule, data_->train, nullptr, hooks).ok());
  ASSERT_FALSE(reports.empty());
  const int batches = reports.front().num_batches;
  ASSERT_GT(batches, 2);
  ASSERT_EQ(reports.size(), 2u * batches);
  double loss_sum = 0;
  for (int b = 0; b + 1 < batches; ++b) {
    const ProgressReport& r = reports[b];
    EXPECT_FALSE(r.end_of_epoch);
    EXPECT_EQ(r.batch, b + 1);
    ASSERT_TRUE(r.has_relaxed_objective);
    EXPECT_LE(r.relaxed_end.total, r.relaxed_start.total * (1 + 1e-6));
    EXPECT_LT(r.train_loss, 0.0);  // evaluated at epoch ends only
    loss_sum += r.batch_loss;
  }
  // The epoch's mean includes the last batch, which gets no report of its own.
  const ProgressReport& epoch = reports[batches - 1];
  EXPECT_TRUE(epoch.end_of_epoch);
  EXPECT_NE(epoch.batch_loss, reports[batches - 2].batch_loss);
  EXPECT_GT(epoch.batch_loss * batches, loss_sum);
}

TEST_F(TrainTest, BackpropLearnsATeacherNetwork) {
  std::vector<ProgressReport> reports;
  TrainingHooks hooks;
  hooks.on_progress = [&](const ProgressReport& r) { reports.push_back(r); };
  absl::StatusOr<v1::Checkpoint> result =
      Train(Mlp(5, 64, 3), AdamSchedule(30), data_->train, &data_->test, hooks);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_GE(reports.back().test_accuracy, 0.95);
  EXPECT_FALSE(reports.back().has_relaxed_objective);  // FLN only
}

void ExpectSameWeights(const v1::Checkpoint& a, const v1::Checkpoint& b) {
  ASSERT_EQ(a.layers_size(), b.layers_size());
  for (int l = 0; l < a.layers_size(); ++l) {
    EXPECT_EQ(a.layers(l).weight().SerializeAsString(), b.layers(l).weight().SerializeAsString())
        << "layer " << l;
    EXPECT_EQ(a.layers(l).bias().SerializeAsString(), b.layers(l).bias().SerializeAsString());
  }
}

TEST_F(TrainTest, TestEvaluationsInsideEpochsLeaveTrainingUnchanged) {
  std::vector<ProgressReport> reports;
  TrainingHooks hooks;
  hooks.on_progress = [&](const ProgressReport& r) { reports.push_back(r); };
  hooks.test_evaluations_per_epoch = 4;
  // 4000 samples in batches of 50: 80 batches, evaluated after 20, 40, 60
  // and at the epoch's end.
  absl::StatusOr<v1::Checkpoint> evaluated =
      Train(Mlp(5, 16, 3), AdamSchedule(2), data_->train, &data_->test, hooks);
  ASSERT_TRUE(evaluated.ok()) << evaluated.status();
  ASSERT_EQ(reports.size(), 8u);
  for (int epoch = 0; epoch < 2; ++epoch) {
    for (int k = 0; k < 3; ++k) {
      const ProgressReport& r = reports[epoch * 4 + k];
      EXPECT_FALSE(r.end_of_epoch);
      EXPECT_EQ(r.batch, 20 * (k + 1));
      EXPECT_GT(r.test_accuracy, 0.0);
      EXPECT_GT(r.test_loss, 0.0);
      EXPECT_LT(r.train_accuracy, 0.0);  // the training set at epoch ends only
    }
    EXPECT_TRUE(reports[epoch * 4 + 3].end_of_epoch);
  }
  // Later evaluations see later weights.
  EXPECT_NE(reports[0].test_loss, reports[1].test_loss);

  absl::StatusOr<v1::Checkpoint> plain =
      Train(Mlp(5, 16, 3), AdamSchedule(2), data_->train, &data_->test, TrainingHooks());
  ASSERT_TRUE(plain.ok());
  ExpectSameWeights(*evaluated, *plain);
}

TEST_F(TrainTest, SameSeedGivesBitIdenticalRuns) {
  for (const v1::Schedule& schedule : {FlnSchedule(2), AdamSchedule(2)}) {
    absl::StatusOr<v1::Checkpoint> a = Train(Mlp(5, 16, 3), schedule, data_->train, nullptr, {});
    absl::StatusOr<v1::Checkpoint> b = Train(Mlp(5, 16, 3), schedule, data_->train, nullptr, {});
    ASSERT_TRUE(a.ok() && b.ok());
    ExpectSameWeights(*a, *b);
  }
}

TEST_F(TrainTest, DifferentSeedsGiveDifferentRuns) {
  v1::Schedule other = FlnSchedule(1);
  other.set_seed(4);
  absl::StatusOr<v1::Checkpoint> a = Train(Mlp(5, 16, 3), FlnSchedule(1), data_->train, nullptr, {});
  absl::StatusOr<v1::Checkpoint> b = Train(Mlp(5, 16, 3), other, data_->train, nullptr, {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->layers(0).weight().SerializeAsString(), b->layers(0).weight().SerializeAsString());
}

// FLN weights that grow per epoch (FlnOptions.lambda_growth, rho_d_growth).
v1::Schedule GrowingFlnSchedule(int epochs) {
  v1::Schedule schedule = FlnSchedule(epochs);
  schedule.mutable_fln()->set_lambda_growth(1.5f);
  schedule.mutable_fln()->set_rho_d_growth(2.0f);
  return schedule;
}

TEST_F(TrainTest, ResumedRunEqualsUninterruptedRun) {
  for (const v1::Schedule& schedule : {FlnSchedule(4), GrowingFlnSchedule(4), AdamSchedule(4)}) {
    absl::StatusOr<v1::Checkpoint> full =
        Train(Mlp(5, 16, 3), schedule, data_->train, &data_->test, {});
    ASSERT_TRUE(full.ok());

    // Interrupt after epoch 2 by failing the checkpoint hook, keeping the
    // checkpoint it was handed, as a server killed after that write would.
    v1::Checkpoint saved;
    TrainingHooks hooks;
    hooks.on_checkpoint = [&](const v1::Checkpoint& c) {
      saved = c;
      return c.state().epochs_completed() == 2 ? absl::AbortedError("killed") : absl::OkStatus();
    };
    ASSERT_EQ(Train(Mlp(5, 16, 3), schedule, data_->train, &data_->test, hooks).status().code(),
              absl::StatusCode::kAborted);
    ASSERT_EQ(saved.state().epochs_completed(), 2);

    // Through the wire format, as a checkpoint file would be.
    v1::Checkpoint reloaded;
    ASSERT_TRUE(reloaded.ParseFromString(saved.SerializeAsString()));
    std::vector<int> resumed_epochs;
    TrainingHooks resume_hooks;
    resume_hooks.on_progress = [&](const ProgressReport& r) { resumed_epochs.push_back(r.epoch); };
    absl::StatusOr<v1::Checkpoint> resumed = Train(v1::ModelSpec(), v1::Schedule(), data_->train,
                                                   &data_->test, resume_hooks, &reloaded);
    ASSERT_TRUE(resumed.ok()) << resumed.status();
    EXPECT_EQ(resumed_epochs, (std::vector<int>{3, 4}));
    ExpectSameWeights(*full, *resumed);
  }
}

TEST_F(TrainTest, GrowthFactorsChangeLaterEpochsOnly) {
  absl::StatusOr<v1::Checkpoint> constant =
      Train(Mlp(5, 16, 3), FlnSchedule(1), data_->train, nullptr, {});
  absl::StatusOr<v1::Checkpoint> growing =
      Train(Mlp(5, 16, 3), GrowingFlnSchedule(1), data_->train, nullptr, {});
  ASSERT_TRUE(constant.ok() && growing.ok());
  ExpectSameWeights(*constant, *growing);  // epoch 1 uses the base weights
  constant = Train(Mlp(5, 16, 3), FlnSchedule(2), data_->train, nullptr, {});
  growing = Train(Mlp(5, 16, 3), GrowingFlnSchedule(2), data_->train, nullptr, {});
  ASSERT_TRUE(constant.ok() && growing.ok());
  EXPECT_NE(constant->layers(0).weight().SerializeAsString(),
            growing->layers(0).weight().SerializeAsString());
}

TEST_F(TrainTest, CancellationStopsBeforeTheNextBatch) {
  std::atomic<bool> cancel{false};
  int batches = 0;
  TrainingHooks hooks;
  hooks.cancel = &cancel;
  hooks.report_batches = true;
  hooks.on_progress = [&](const ProgressReport& r) {
    ++batches;
    if (r.batch == 3) cancel = true;
  };
  const absl::Status status =
      Train(Mlp(5, 16, 3), FlnSchedule(5), data_->train, nullptr, hooks).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(batches, 3);
}

TEST_F(TrainTest, EarlyStoppingHonoursPatience) {
  v1::Schedule schedule = AdamSchedule(50);
  schedule.mutable_early_stopping()->set_patience(2);
  schedule.mutable_early_stopping()->set_min_delta(0.5f);  // nothing improves by 50 points
  int epochs = 0;
  TrainingHooks hooks;
  hooks.on_progress = [&](const ProgressReport&) { ++epochs; };
  ASSERT_TRUE(Train(Mlp(5, 16, 3), schedule, data_->train, &data_->test, hooks).ok());
  EXPECT_EQ(epochs, 3);  // epoch 1 sets the best, 2 and 3 do not beat it by 0.5
}

TEST_F(TrainTest, RejectsBadRequestsWithTheFieldName) {
  v1::Schedule zero_batch = FlnSchedule(1);
  zero_batch.set_batch_size(0);
  absl::Status status = Train(Mlp(5, 16, 3), zero_batch, data_->train, nullptr, {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("schedule.batch_size"), std::string::npos) << status;

  v1::Schedule negative_lambda = FlnSchedule(1);
  negative_lambda.mutable_fln()->add_lambda(-1.0f);
  status = Train(Mlp(5, 16, 3), negative_lambda, data_->train, nullptr, {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("schedule.fln.lambda[0]"), std::string::npos) << status;

  status = Train(Mlp(6, 16, 3), FlnSchedule(1), data_->train, nullptr, {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("input_size"), std::string::npos) << status;

  status = Train(Mlp(5, 16, 2), FlnSchedule(1), data_->train, nullptr, {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("output classes"), std::string::npos) << status;
}

TEST_F(TrainTest, RejectsACorruptResumeCheckpoint) {
  absl::StatusOr<v1::Checkpoint> run = Train(Mlp(5, 16, 3), FlnSchedule(1), data_->train, nullptr, {});
  ASSERT_TRUE(run.ok());
  v1::Checkpoint corrupt = *run;
  corrupt.mutable_layers(0)->mutable_weight()->mutable_values()->RemoveLast();
  EXPECT_EQ(Train({}, {}, data_->train, nullptr, {}, &corrupt).status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace fln
