#include "core/fln_trainer.h"

#include <cmath>

#include "core/evaluation.h"
#include "core/fenchel.h"
#include "core/one_hot.h"
#include "core/rng.h"
#include "core/softmax.h"
#include "core/validation.h"
#include "gtest/gtest.h"
#include "tests/teacher_dataset.h"

namespace fln {
namespace {

v1::ModelSpec Mlp(int input, std::vector<int> hidden, int classes) {
  v1::ModelSpec spec;
  spec.set_input_size(input);
  for (int units : hidden) spec.add_layers()->mutable_dense()->set_units(units);
  spec.add_layers()->mutable_dense()->set_units(classes);
  return spec;
}

v1::FlnOptions Options(int num_hidden, float last_c) {
  v1::Schedule schedule;
  schedule.set_method(v1::FLN);
  schedule.mutable_fln()->add_c(1.0f);
  for (int l = 1; l < num_hidden; ++l) schedule.mutable_fln()->add_c(1.0f);
  if (num_hidden > 0) schedule.mutable_fln()->set_c(num_hidden - 1, last_c);
  schedule.mutable_fln()->add_rho_d(1.0f);
  return WithDefaults(schedule, num_hidden).fln();
}

// No block solve may increase the relaxed objective F, for any valid
// weights: hidden c != 1 (then F weights layer l by w_l = c_1 ... c_l, and
// a B_l weighted by lambda_l alone is not descended), per-layer lambda, a
// ridge, and epoch growth (docs/method.md, "Inequalities and the tests that
// check them").
TEST(FlnTrainerTest, NoBlockSolveIncreasesTheRelaxedObjective) {
  const TeacherData data = MakeTeacherData(8, 12, 3, 64, 1, 5);
  struct Case {
    std::vector<float> c, lambda;
    float rho, growth;
    int epoch;
  };
  const std::vector<Case> cases = {
      {{1, 10}, {1}, 0, 0, 1},
      {{5, 10}, {1}, 0, 0, 1},  // the authors' LeNet-5 has hidden c = 5
      {{0.2f, 3}, {4, 0.5f}, 0.1f, 0, 1},
      {{5, 10}, {2, 1}, 0, 1.5f, 4},  // lambda and rho_d grown 1.5^3
  };
  for (const Case& test_case : cases) {
    for (v1::BlockSolver w_solver :
         {v1::GRAM_PRECONDITIONED, v1::FISTA, v1::PROJECTED_GRADIENT}) {
      SCOPED_TRACE(testing::Message() << "c " << test_case.c[0] << "," << test_case.c[1]
                                      << " growth " << test_case.growth << " solver "
                                      << v1::BlockSolver_Name(w_solver));
      Network net = Network::Create(Mlp(8, {10, 7}, 3)).value();
      Rng rng(1);
      net.InitGlorotUniform(0.1f, &rng);
      v1::FlnOptions options = Options(2, 10.0f);
      options.clear_c();
      for (float c : test_case.c) options.add_c(c);
      options.clear_lambda();
      for (float lambda : test_case.lambda) options.add_lambda(lambda);
      options.set_rho(0, test_case.rho);
      options.set_lambda_growth(test_case.growth);
      options.set_rho_d_growth(test_case.growth);
      options.mutable_w_solver()->set_solver(w_solver);
      options.set_alternations(3);
      LocalCollective collective;
      FlnTrainer trainer(&net, options, &collective);
      trainer.StartEpoch(test_case.epoch);

      Matrix one_hot;
      OneHot(data.train.labels, 3, &one_hot);
      Network anchor = net;
      double previous = -1;
      int blocks = 0;
      trainer.set_block_observer([&](const BlockEvent& event) {
        EXPECT_LE(event.result.final_objective, event.result.initial_objective);
        EXPECT_GT(event.seconds, 0.0) << "each block reports its own wall time";
        const double f = EvaluateLiftedObjective(net, trainer.lifted(), one_hot,
                                                 trainer.hyperparameters(), anchor)
                             .total;
        if (previous >= 0) {
          EXPECT_LE(f, previous * (1 + 1e-6)) << "block " << blocks << " (W=" << event.is_w_block
                                              << ", layer " << event.layer << ")";
        }
        previous = f;
        ++blocks;
      });
      for (int batch = 0; batch < 3; ++batch) {
        anchor = net;  // the trainer anchors at the weights it starts from
        previous = -1;
        BatchStats stats;
        ASSERT_TRUE(trainer.TrainBatch(data.train.features, one_hot, &stats).ok());
        EXPECT_NEAR(stats.relaxed_end.total, previous, 1e-4 * previous);
        EXPECT_LE(stats.relaxed_end.total, stats.relaxed_start.total * (1 + 1e-6));
      }
      EXPECT_EQ(blocks, 3 * 3 * (2 + 3));  // batches * alternations * (X + W blocks)
    }
  }
}

TEST(FlnTrainerTest, LiftedObjectiveAtWarmStartIsTheWeightedLoss) {
  const TeacherData data = MakeTeacherData(8, 12, 3, 32, 1, 6);
  Network net = Network::Create(Mlp(8, {10}, 3)).value();
  Rng rng(2);
  net.InitGlorotUniform(0.1f, &rng);
  v1::FlnOptions options = Options(1, 10.0f);
  LocalCollective collective;
  FlnTrainer trainer(&net, options, &collective);
  Matrix one_hot;
  OneHot(data.train.labels, 3, &one_hot);
  const Network before = net;
  bool checked = false;
  trainer.set_block_observer([&](const BlockEvent& event) {
    if (checked) return;
    checked = true;
    // The first block starts from the warm start: F = w_L * loss, gaps 0.
    std::vector<Matrix> x;
    Matrix logits;
    before.Forward(data.train.features, &x, &logits);
    const double loss = CrossEntropyPerColumn(logits, one_hot).cast<double>().sum();
    const LiftedObjective f =
        EvaluateLiftedObjective(before, x, one_hot, trainer.hyperparameters(), before);
    EXPECT_EQ(f.gaps[0], 0.0);
    EXPECT_NEAR(f.total, 10.0 * loss, 1e-5 * f.total);
    EXPECT_NEAR(event.result.initial_objective, 10.0 * loss, 1e-4 * f.total)
        << "the X_1 block objective at the warm start is c_L * CE + lambda * B = c_L * CE";
  });
  BatchStats stats;
  ASSERT_TRUE(trainer.TrainBatch(data.train.features, one_hot, &stats).ok());
  EXPECT_TRUE(checked);
  // The reported warm-start figures are the same F and feed-forward loss.
  std::vector<Matrix> x;
  Matrix logits;
  before.Forward(data.train.features, &x, &logits);
  const double mean_loss = CrossEntropyPerColumn(logits, one_hot).cast<double>().mean();
  EXPECT_NEAR(stats.batch_loss, mean_loss, 1e-5 * mean_loss);
  EXPECT_NEAR(stats.relaxed_start.total, 10.0 * mean_loss * data.train.num_samples(),
              1e-5 * stats.relaxed_start.total);
  EXPECT_EQ(stats.relaxed_start.proximal, 0.0);
}

TEST(FlnTrainerTest, EpochsScaleLambdaAndRhoDByTheirGrowth) {
  v1::FlnOptions options = Options(2, 10.0f);
  options.set_lambda_growth(2.0f);
  options.set_rho_d_growth(1.5f);
  Network net = Network::Create(Mlp(4, {5, 5}, 3)).value();
  LocalCollective collective;
  FlnTrainer trainer(&net, options, &collective);
  const FlnHyperparameters first = trainer.hyperparameters();
  trainer.StartEpoch(3);
  const FlnHyperparameters third = trainer.hyperparameters();
  for (size_t l = 0; l < first.lambda.size(); ++l) {
    EXPECT_FLOAT_EQ(third.lambda[l], 4.0f * first.lambda[l]);
  }
  for (size_t l = 0; l < first.rho_d.size(); ++l) {
    EXPECT_FLOAT_EQ(third.rho_d[l], 2.25f * first.rho_d[l]);
  }
  EXPECT_EQ(third.c, first.c);  // c and rho do not grow
  EXPECT_EQ(third.rho, first.rho);
  trainer.StartEpoch(1);
  EXPECT_EQ(trainer.hyperparameters().lambda, first.lambda);
}

TEST(FlnTrainerTest, SameSeedGivesIdenticalWeights) {
  const TeacherData data = MakeTeacherData(8, 12, 3, 64, 1, 7);
  Matrix one_hot;
  OneHot(data.train.labels, 3, &one_hot);
  auto run = [&]() {
    Network net = Network::Create(Mlp(8, {10}, 3)).value();
    Rng rng(42);
    net.InitGlorotUniform(0.1f, &rng);
    LocalCollective collective;
    FlnTrainer trainer(&net, Options(1, 10.0f), &collective);
    BatchStats stats;
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(trainer.TrainBatch(data.train.features, one_hot, &stats).ok());
    return net;
  };
  const Network a = run(), b = run();
  for (int l = 0; l < a.num_layers(); ++l) {
    EXPECT_TRUE(a.layer(l).weight == b.layer(l).weight);
    EXPECT_TRUE(a.layer(l).bias == b.layer(l).bias);
  }
}

// With w_inputs = FEED_FORWARD, W_0 sees the data as before, and the output
// layer is the W-block fitted on relu(new W_0 X_0 + b_0), not on X_1.
TEST(FlnTrainerTest, FeedForwardInputsFitTheOutputLayerOnTheNewFeatures) {
  const TeacherData data = MakeTeacherData(8, 12, 3, 64, 1, 8);
  Matrix one_hot;
  OneHot(data.train.labels, 3, &one_hot);
  Network start = Network::Create(Mlp(8, {10}, 3)).value();
  Rng rng(3);
  start.InitGlorotUniform(0.1f, &rng);
  auto train_one_batch = [&](v1::WBlockInputs inputs, Network* net, BatchStats* stats) {
    v1::FlnOptions options = Options(1, 10.0f);
    options.set_w_inputs(inputs);
    LocalCollective collective;
    FlnTrainer trainer(net, options, &collective);
    ASSERT_TRUE(trainer.TrainBatch(data.train.features, one_hot, stats).ok());
    // pre-activations were made current again on the lifted X for F.
    const LiftedObjective f = EvaluateLiftedObjective(*net, trainer.lifted(), one_hot,
                                                      trainer.hyperparameters(), start);
    EXPECT_NEAR(stats->relaxed_end.total, f.total, 1e-5 * f.total);
  };
  Network lifted = start, feed_forward = start;
  BatchStats lifted_stats, feed_forward_stats;
  train_one_batch(v1::LIFTED, &lifted, &lifted_stats);
  train_one_batch(v1::FEED_FORWARD, &feed_forward, &feed_forward_stats);
  EXPECT_TRUE(feed_forward.layer(0).weight == lifted.layer(0).weight);
  EXPECT_FALSE(feed_forward.layer(1).weight == lifted.layer(1).weight);

  // The output W-block by hand, on the new first layer's features.
  const v1::FlnOptions options = Options(1, 10.0f);
  const FlnHyperparameters hyper = FlnHyperparameters::FromProto(options, 1);
  Matrix pre0, features, pre1;
  feed_forward.PreActivation(0, data.train.features, &pre0);
  features = pre0.cwiseMax(0.0f);
  LocalCollective collective;
  WBlock block(features, one_hot, DataTerm::kSoftmaxCrossEntropy, hyper.loss_weight(),
               start.layer(1), hyper.rho_d[1], hyper.rho[1], WStep::kGram, &collective);
  Matrix z = PackAffine(start.layer(1));
  start.PreActivation(1, features, &pre1);
  SolveBlock(block, ToSolverSettings(options.w_solver()), &z, &pre1, /*p_is_current=*/true);
  Layer expected = start.layer(1);
  UnpackAffine(z, &expected);
  EXPECT_LT((expected.weight - feed_forward.layer(1).weight).cwiseAbs().maxCoeff(), 1e-6f);
  EXPECT_LT((expected.bias - feed_forward.layer(1).bias).cwiseAbs().maxCoeff(), 1e-6f);
}

}  // namespace
}  // namespace fln
