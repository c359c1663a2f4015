// Convolutional FLN (docs/method.md, "The blocks"): the layer maps and their
// adjoints, every conv block gradient against finite differences, backprop
// through convolutions, and the lifted objective's invariants on a conv net.
#include <omp.h>

#include <cmath>
#include <memory>
#include <vector>

#include "core/backprop_trainer.h"
#include "core/block_test_util.h"
#include "core/fenchel.h"
#include "core/fln_blocks.h"
#include "core/fln_trainer.h"
#include "core/network.h"
#include "core/one_hot.h"
#include "core/rng.h"
#include "core/softmax.h"
#include "core/validation.h"
#include "gtest/gtest.h"

namespace fln {
namespace {

class ConvFlnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    net_ = std::make_unique<Network>(
        Network::Create(SmallConvNet(/*pool_before_dense=*/false)).value());
    Rng rng(5);
    net_->InitGlorotUniform(0.1f, &rng);
    inputs_ = RandomMatrix(36, 7, 0.0f, 1.0f, &rng);
    one_hot_ = Matrix::Zero(3, 7);
    for (int j = 0; j < 7; ++j) one_hot_(j % 3, j) = 1.0f;
  }

  // Central differences at every coordinate; |A(z +- h e_i) - A(z)| stays
  // below the kink margin the caller checked, so the objective is smooth there.
  void ExpectGradient(const BlockProblem& problem, const Matrix& z, float h) {
    Matrix p, grad;
    problem.Map(z, &p);
    problem.Gradient(z, p, &grad);
    for (Eigen::Index i = 0; i < z.size(); ++i) {
      Matrix plus = z, minus = z;
      plus.data()[i] += h;
      minus.data()[i] -= h;
      const double numeric = (BlockObjective(problem, plus) - BlockObjective(problem, minus)) / (2 * h);
      EXPECT_NEAR(grad.data()[i], numeric, 5e-3 * (1.0 + std::abs(numeric))) << "coordinate " << i;
    }
  }

  std::unique_ptr<Network> net_;
  Matrix inputs_, one_hot_;
};

TEST_F(ConvFlnTest, PlansTheShapes) {
  EXPECT_EQ(net_->widths(), (std::vector<int>{36, 32, 12, 3}));
  EXPECT_TRUE(net_->layer(0).conv);
  EXPECT_TRUE(net_->layer(1).pool_input);
  EXPECT_EQ(net_->layer(1).geometry.height, 2);
  EXPECT_EQ(net_->layer(1).weight.cols(), 2 * 2 * 2);
  EXPECT_EQ(net_->layer(2).weight.cols(), 12);
}

TEST_F(ConvFlnTest, LayerTransposeIsTheAdjointOfItsMap) {
  Rng rng(6);
  for (int l = 0; l < net_->num_layers(); ++l) {
    Layer linear = net_->layer(l);
    linear.bias.setZero();
    const Matrix x = RandomMatrix(linear.input_size, 3, -1.0f, 1.0f, &rng);
    const Matrix y = RandomMatrix(linear.output_size, 3, -1.0f, 1.0f, &rng);
    Matrix ax, aty;
    linear.Forward(x, &ax);
    linear.Transpose(y, &aty);
    EXPECT_NEAR(ax.cwiseProduct(y).sum(), x.cwiseProduct(aty).sum(), 1e-4) << "layer " << l;
  }
}

TEST_F(ConvFlnTest, FeaturesTimesWeightsIsTheForwardMap) {
  std::vector<Matrix> x;
  Matrix logits;
  net_->Forward(inputs_, &x, &logits);
  for (int l = 0; l < net_->num_layers(); ++l) {
    const Layer& layer = net_->layer(l);
    Matrix storage, pre;
    const Matrix& features = layer.Features(x[l], &storage);
    Matrix per_position = layer.weight * features;
    per_position.colwise() += layer.bias;
    layer.Forward(x[l], &pre);
    Matrix per_sample = per_position;
    layer.ToSamples(7, &per_sample);
    EXPECT_TRUE(per_sample.isApprox(pre, 1e-5f)) << "layer " << l;
    layer.ToPositions(&pre);
    EXPECT_TRUE(pre.isApprox(per_position, 1e-5f)) << "layer " << l;
  }
}

TEST_F(ConvFlnTest, ConvXBlockGradientsMatchFiniteDifferences) {
  std::vector<Matrix> x;
  Matrix logits;
  net_->Forward(inputs_, &x, &logits);
  Rng rng(8);
  // X_1 (conv output) feeds the pooled conv layer 1: block (a).
  const Matrix target = RandomMatrix(12, 7, 0.0f, 1.0f, &rng);
  Matrix upstream;
  net_->PreActivation(0, x[0], &upstream);
  XBlock hidden(upstream, 2.0f, net_->layer(1), target, 3.0f, DataTerm::kFenchelRelu);
  // A test point whose pre-activations keep 0.01 from the ReLU kink.
  Matrix z, p;
  for (float shift = 0.05f; shift < 2.0f; shift += 0.05f) {
    z = x[1].array() + shift;
    hidden.Map(z, &p);
    if ((p.array().abs() >= 0.01f).all()) break;
  }
  ASSERT_TRUE((p.array().abs() >= 0.01f).all()) << "no kink-free test point";
  ExpectGradient(hidden, z, 1e-3f);
  // X_2 feeds the softmax layer: block (b).
  Matrix upstream2;
  net_->PreActivation(1, x[1], &upstream2);
  XBlock last(upstream2, 1.0f, net_->layer(2), one_hot_, 10.0f, DataTerm::kSoftmaxCrossEntropy);
  ExpectGradient(last, x[2].array() + 0.1f, 1e-2f);
}

TEST_F(ConvFlnTest, ConvWBlockGradientMatchesFiniteDifferences) {
  std::vector<Matrix> x;
  Matrix logits;
  net_->Forward(inputs_, &x, &logits);
  Rng rng(9);
  const Layer& conv = net_->layer(1);  // pooled 2@2x2 -> 3@2x2 (same)
  Matrix storage;
  const Matrix& pooled = conv.PooledInput(x[1], &storage);
  const Matrix target = RandomMatrix(3, 7 * conv.positions(), 0.0f, 1.0f, &rng);
  Layer anchor = conv;
  anchor.weight.array() += 0.05f;
  LocalCollective collective;
  WBlock block(pooled, target, DataTerm::kFenchelRelu, 2.0f, anchor, 1.0f, 0.3f, WStep::kGram,
               &collective);
  Matrix z, p;
  for (float shift = 0.0f; shift < 2.0f; shift += 0.05f) {
    z = PackAffine(conv);
    z.rightCols(1).array() += shift;  // move every bias: a kink-free point
    block.Map(z, &p);
    if ((p.array().abs() >= 0.01f).all()) break;
  }
  ASSERT_TRUE((p.array().abs() >= 0.01f).all()) << "no kink-free test point";
  ExpectGradient(block, z, 1e-3f);
}

// The conv W-block never forms the im2col windows F of the batch: it maps
// with the convolution and sums its Gram matrix and gradient chunk by chunk.
// It must be the dense W-block on the explicit F, step for step.
TEST_F(ConvFlnTest, ConvWBlockIsTheDenseBlockOnItsWindows) {
  std::vector<Matrix> x;
  Matrix logits;
  net_->Forward(inputs_, &x, &logits);
  Rng rng(10);
  const Layer& conv = net_->layer(1);
  Matrix pooled_storage, features_storage;
  const Matrix& pooled = conv.PooledInput(x[1], &pooled_storage);
  const Matrix& features = conv.Features(x[1], &features_storage);
  const Matrix target = RandomMatrix(3, features.cols(), 0.0f, 1.0f, &rng);
  Layer anchor = conv;
  anchor.weight.array() += 0.05f;
  Layer dense_anchor = anchor;
  dense_anchor.conv = false;
  LocalCollective collective;
  const WBlock windows(pooled, target, DataTerm::kFenchelRelu, 2.0f, anchor, 1.0f, 0.3f,
                       WStep::kGram, &collective);
  const WBlock explicit_f(features, target, DataTerm::kFenchelRelu, 2.0f, dense_anchor, 1.0f, 0.3f,
                          WStep::kGram, &collective);
  const Matrix z = PackAffine(conv);
  Matrix p_windows, p_explicit, grad_windows, grad_explicit, step_windows, step_explicit;
  windows.Map(z, &p_windows);
  explicit_f.Map(z, &p_explicit);
  EXPECT_TRUE(p_windows.isApprox(p_explicit, 1e-5f));
  Vector f_windows, f_explicit;
  windows.GroupObjectives(z, p_windows, &f_windows);
  explicit_f.GroupObjectives(z, p_explicit, &f_explicit);
  EXPECT_TRUE(f_windows.isApprox(f_explicit, 1e-5f));
  windows.Gradient(z, p_windows, &grad_windows);
  explicit_f.Gradient(z, p_explicit, &grad_explicit);
  EXPECT_TRUE(grad_windows.isApprox(grad_explicit, 1e-5f));
  // The Gram-preconditioned step uses the Gram matrix of [F; 1].
  windows.Step(z, grad_windows, &step_windows);
  explicit_f.Step(z, grad_explicit, &step_explicit);
  EXPECT_TRUE(step_windows.isApprox(step_explicit, 1e-4f));
  EXPECT_FALSE(step_windows.isApprox(z, 1e-4f)) << "the step moved";
}

TEST_F(ConvFlnTest, BackpropGradientsMatchFiniteDifferences) {
  v1::Schedule schedule;
  schedule.set_method(v1::BACKPROP);
  BackpropTrainer trainer(net_.get(), WithDefaults(schedule, 2).backprop());
  trainer.ComputeGradients(inputs_, one_hot_);
  // Small: a conv weight moves every position's pre-activation, and a larger
  // step crosses ReLU kinks.
  const float h = 1e-3f;
  auto loss = [&]() {
    return CrossEntropyPerColumn(net_->Logits(inputs_), one_hot_).cast<double>().mean();
  };
  for (int l = 0; l < net_->num_layers(); ++l) {
    Matrix& w = net_->mutable_layer(l).weight;
    for (Eigen::Index i = 0; i < w.size(); ++i) {
      const float saved = w.data()[i];
      w.data()[i] = saved + h;
      const double plus = loss();
      w.data()[i] = saved - h;
      const double minus = loss();
      w.data()[i] = saved;
      EXPECT_NEAR(trainer.last_gradients()[l].weight.data()[i], (plus - minus) / (2 * h), 2e-3)
          << "layer " << l << " weight " << i;
    }
  }
}

// Batches over 64 samples are split into slices that threads take forward and
// backward on their own (backprop_trainer.cc); the summed gradient must not
// depend on the split or on the thread count.
TEST_F(ConvFlnTest, BackpropGradientOfSlicedBatchIsTheMeanOfItsParts) {
  constexpr int kSamples = 150;  // slices of 64, 64 and 22
  Rng rng(7);
  const Matrix inputs = RandomMatrix(36, kSamples, 0.0f, 1.0f, &rng);
  Matrix one_hot = Matrix::Zero(3, kSamples);
  for (int j = 0; j < kSamples; ++j) one_hot(j % 3, j) = 1.0f;
  v1::Schedule schedule;
  schedule.set_method(v1::BACKPROP);
  const v1::BackpropOptions options = WithDefaults(schedule, 2).backprop();

  const int threads = omp_get_max_threads();
  std::vector<std::vector<Layer>> by_threads;
  double whole_loss = 0;
  for (const int t : {1, 2}) {
    omp_set_num_threads(t);
    BackpropTrainer trainer(net_.get(), options);
    whole_loss = trainer.ComputeGradients(inputs, one_hot);
    by_threads.push_back(trainer.last_gradients());
  }
  omp_set_num_threads(threads);

  // Three batches of 50 (one slice each), weighted by their share.
  std::vector<Layer> parts = by_threads[0];
  double parts_loss = 0;
  for (Layer& layer : parts) {
    layer.weight.setZero();
    layer.bias.setZero();
  }
  for (int first = 0; first < kSamples; first += 50) {
    BackpropTrainer trainer(net_.get(), options);
    parts_loss +=
        trainer.ComputeGradients(inputs.middleCols(first, 50), one_hot.middleCols(first, 50)) / 3;
    for (int l = 0; l < net_->num_layers(); ++l) {
      parts[l].weight += trainer.last_gradients()[l].weight / 3;
      parts[l].bias += trainer.last_gradients()[l].bias / 3;
    }
  }
  EXPECT_NEAR(whole_loss, parts_loss, 1e-6 * whole_loss);
  for (int l = 0; l < net_->num_layers(); ++l) {
    EXPECT_EQ(by_threads[0][l].weight, by_threads[1][l].weight) << "layer " << l;
    EXPECT_EQ(by_threads[0][l].bias, by_threads[1][l].bias) << "layer " << l;
    const float scale = parts[l].weight.cwiseAbs().maxCoeff();
    EXPECT_LT((by_threads[0][l].weight - parts[l].weight).cwiseAbs().maxCoeff(), 1e-5f * scale)
        << "layer " << l;
    EXPECT_LT((by_threads[0][l].bias - parts[l].bias).cwiseAbs().maxCoeff(),
              1e-5f * parts[l].bias.cwiseAbs().maxCoeff())
        << "layer " << l;
  }
}

TEST_F(ConvFlnTest, LiftedObjectiveIsTheWeightedLossAtWarmStartAndNeverIncreases) {
  v1::Schedule schedule;
  schedule.set_method(v1::FLN);
  schedule.mutable_fln()->add_c(1.0f);
  schedule.mutable_fln()->add_c(10.0f);
  schedule.mutable_fln()->add_rho_d(1.0f);
  schedule.mutable_fln()->set_alternations(2);
  const v1::FlnOptions options = WithDefaults(schedule, 2).fln();
  LocalCollective collective;
  FlnTrainer trainer(net_.get(), options, &collective);
  const Network anchor = *net_;
  double previous = -1;
  trainer.set_block_observer([&](const BlockEvent& event) {
    EXPECT_LE(event.result.final_objective, event.result.initial_objective);
    const double f = EvaluateLiftedObjective(*net_, trainer.lifted(), one_hot_,
                                             trainer.hyperparameters(), anchor)
                         .total;
    if (previous < 0) {
      // The first block starts at the warm start: F = w_L * loss.
      std::vector<Matrix> x;
      Matrix logits;
      anchor.Forward(inputs_, &x, &logits);
      const double loss = CrossEntropyPerColumn(logits, one_hot_).cast<double>().sum();
      EXPECT_NEAR(event.result.initial_objective, 10.0 * loss, 1e-4 * loss);
    } else {
      EXPECT_LE(f, previous * (1 + 1e-6));
    }
    previous = f;
  });
  BatchStats stats;
  ASSERT_TRUE(trainer.TrainBatch(inputs_, one_hot_, &stats).ok());
  EXPECT_NEAR(stats.relaxed_end.total, previous, 1e-4 * previous);
  ASSERT_EQ(stats.relaxed_end.gaps.size(), 2u);
}

// FlnOptions.w_inputs = FEED_FORWARD through convolutions and pooling: the
// output layer is the W-block solved on the new network's own features
// (flatten(avgpool(X_2)) of its feed-forward pass), and F is reported on the
// lifted X.
TEST_F(ConvFlnTest, FeedForwardWSweepFitsTheOutputOnTheNewNetworksFeatures) {
  v1::Schedule schedule;
  schedule.set_method(v1::FLN);
  schedule.mutable_fln()->add_c(1.0f);
  schedule.mutable_fln()->add_c(10.0f);
  schedule.mutable_fln()->add_rho_d(1.0f);
  schedule.mutable_fln()->set_w_inputs(v1::FEED_FORWARD);
  const v1::FlnOptions options = WithDefaults(schedule, 2).fln();
  LocalCollective collective;
  FlnTrainer trainer(net_.get(), options, &collective);
  const Network anchor = *net_;
  trainer.set_block_observer([&](const BlockEvent& event) {
    EXPECT_LE(event.result.final_objective, event.result.initial_objective);
  });
  BatchStats stats;
  ASSERT_TRUE(trainer.TrainBatch(inputs_, one_hot_, &stats).ok());
  const LiftedObjective f = EvaluateLiftedObjective(*net_, trainer.lifted(), one_hot_,
                                                    trainer.hyperparameters(), anchor);
  EXPECT_NEAR(stats.relaxed_end.total, f.total, 1e-5 * f.total);

  std::vector<Matrix> x;
  Matrix logits;
  net_->Forward(inputs_, &x, &logits);
  const int out = net_->num_hidden();
  Matrix storage, pre;
  const Matrix& pooled = net_->layer(out).PooledInput(x[out], &storage);
  const FlnHyperparameters& hyper = trainer.hyperparameters();
  WBlock block(pooled, one_hot_, DataTerm::kSoftmaxCrossEntropy, hyper.loss_weight(),
               anchor.layer(out), hyper.rho_d[out], hyper.rho[out], WStep::kGram, &collective);
  Matrix z = PackAffine(anchor.layer(out));
  anchor.PreActivation(out, x[out], &pre);
  SolveBlock(block, ToSolverSettings(options.w_solver()), &z, &pre, /*p_is_current=*/true);
  Layer expected = anchor.layer(out);
  UnpackAffine(z, &expected);
  EXPECT_LT((expected.weight - net_->layer(out).weight).cwiseAbs().maxCoeff(), 1e-5f);
  EXPECT_LT((expected.bias - net_->layer(out).bias).cwiseAbs().maxCoeff(), 1e-5f);
}

}  // namespace
}  // namespace fln
