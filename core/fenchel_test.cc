#include "core/fenchel.h"

#include <cmath>

#include "core/rng.h"
#include "core/softmax.h"
#include "gtest/gtest.h"

namespace fln {
namespace {

TEST(FenchelDivergenceTest, IsNonNegativeOnAGrid) {
  for (float u = -3.0f; u <= 3.0f; u += 0.125f) {
    for (float v = 0.0f; v <= 3.0f; v += 0.125f) {
      EXPECT_GE(FenchelDivergence(u, v), 0.0f) << "u=" << u << " v=" << v;
    }
  }
}

TEST(FenchelDivergenceTest, VanishesExactlyOnTheReluGraph) {
  for (float u = -3.0f; u <= 3.0f; u += 0.125f) {
    EXPECT_EQ(FenchelDivergence(u, std::max(u, 0.0f)), 0.0f) << "u=" << u;
  }
}

TEST(FenchelDivergenceTest, IsPositiveOffTheReluGraph) {
  EXPECT_GT(FenchelDivergence(1.0f, 0.5f), 0.0f);
  EXPECT_GT(FenchelDivergence(-1.0f, 0.5f), 0.0f);
  EXPECT_GT(FenchelDivergence(0.0f, 0.1f), 0.0f);
}

TEST(FenchelDivergenceTest, MatchesTheSquaredDistanceIdentity) {
  // 2B(u, v) = (v - u)^2 - min(u, 0)^2 (docs/method.md, "The Fenchel-Young gap").
  for (float u = -2.0f; u <= 2.0f; u += 0.25f) {
    for (float v = 0.0f; v <= 2.0f; v += 0.25f) {
      const float m = std::min(u, 0.0f);
      EXPECT_NEAR(2.0f * FenchelDivergence(u, v), (v - u) * (v - u) - m * m, 1e-5f);
    }
  }
}

class LiftedObjectiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v1::ModelSpec spec;
    spec.set_input_size(6);
    spec.add_layers()->mutable_dense()->set_units(5);
    spec.add_layers()->mutable_dense()->set_units(4);
    spec.add_layers()->mutable_dense()->set_units(3);
    net_ = std::make_unique<Network>(Network::Create(spec).value());
    Rng rng(7);
    net_->InitGlorotUniform(0.1f, &rng);
    inputs_ = Matrix(6, 9);
    for (Eigen::Index i = 0; i < inputs_.size(); ++i) inputs_.data()[i] = rng.UniformFloat();
    one_hot_ = Matrix::Zero(3, 9);
    for (int j = 0; j < 9; ++j) one_hot_(j % 3, j) = 1.0f;
    hyper_.lambda = {2.0f, 3.0f};
    hyper_.c = {1.0f, 10.0f};
    hyper_.rho_d = {1.0f, 1.0f, 1.0f};
    hyper_.rho = {0.5f, 0.5f, 0.5f};
  }

  std::unique_ptr<Network> net_;
  Matrix inputs_, one_hot_;
  FlnHyperparameters hyper_;
};

TEST_F(LiftedObjectiveTest, EqualsWeightedFeedForwardLossAtWarmStart) {
  std::vector<Matrix> x;
  Matrix logits;
  net_->Forward(inputs_, &x, &logits);
  hyper_.rho = {0.0f, 0.0f, 0.0f};
  const LiftedObjective f = EvaluateLiftedObjective(*net_, x, one_hot_, hyper_, *net_);
  const double loss = CrossEntropyPerColumn(logits, one_hot_).cast<double>().sum();
  ASSERT_EQ(f.gaps.size(), 2u);
  EXPECT_EQ(f.gaps[0], 0.0);
  EXPECT_EQ(f.gaps[1], 0.0);
  EXPECT_EQ(f.proximal, 0.0);
  EXPECT_NEAR(f.total, 10.0 * loss, 1e-4 * std::abs(loss));
}

TEST_F(LiftedObjectiveTest, GapsGrowWhenActivationsLeaveTheReluGraph) {
  std::vector<Matrix> x;
  Matrix logits;
  net_->Forward(inputs_, &x, &logits);
  x[1].array() += 0.3f;
  const LiftedObjective f = EvaluateLiftedObjective(*net_, x, one_hot_, hyper_, *net_);
  EXPECT_GT(f.gaps[0], 0.0);
  EXPECT_EQ(f.gaps[1] > 0.0, true);  // X_1 changed, so layer 1's input moved too
}

TEST_F(LiftedObjectiveTest, CountsProximalAndRidgeTerms) {
  std::vector<Matrix> x;
  Matrix logits;
  net_->Forward(inputs_, &x, &logits);
  Network moved = *net_;
  moved.mutable_layer(0).weight(0, 0) += 1.0f;  // ||W - W^prev||^2 = 1
  std::vector<Matrix> pre(3);
  for (int l = 0; l < 3; ++l) moved.PreActivation(l, x[l], &pre[l]);
  const LiftedObjective f = EvaluateLiftedObjective(moved, x, pre, one_hot_, hyper_, *net_);
  EXPECT_NEAR(f.proximal, 1.0, 1e-6);
  double ridge = 0;
  for (int l = 0; l < 3; ++l) ridge += 0.5 * moved.layer(l).weight.cast<double>().squaredNorm();
  EXPECT_NEAR(f.ridge, ridge, 1e-5);
}

}  // namespace
}  // namespace fln
