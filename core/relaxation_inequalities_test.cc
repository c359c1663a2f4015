// The inequalities docs/method.md claims ("Inequalities and the tests that
// check them"), as tests:
//   - weak duality at fixed W: min_X F(W, .) <= w_L CE(W) + ridge, and the
//     minimum does not decrease as lambda grows;
//   - optimality (KKT) of solved X- and W-blocks;
//   - the Gram-metric W step minimises a majoriser of its block (checked
//     without SolveBlock's accept/reject safeguard);
//   - the Lipschitz constants of conv and pooled layers bound the explicit
//     operator's largest squared singular value, tightly.
#include <cmath>
#include <vector>

#include "core/block_solver.h"
#include "core/block_test_util.h"
#include "core/collective.h"
#include "core/fenchel.h"
#include "core/fln_blocks.h"
#include "core/fln_hyperparameters.h"
#include "core/layer.h"
#include "core/model_shorthand.h"
#include "core/network.h"
#include "core/rng.h"
#include "core/softmax.h"
#include "gtest/gtest.h"

namespace fln {
namespace {

// A 6-16-3 network on 40 random samples with labels it does not fit.
class SmallNetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    net_ = std::make_unique<Network>(
        Network::Create(ParseModelShorthand("mlp:16", 6, 3).value()).value());
    Rng rng(11);
    net_->InitGlorotUniform(0.1f, &rng);
    // Larger weights than Glorot's, so the loss and the gaps are not tiny.
    net_->mutable_layer(1).weight *= 3.0f;
    inputs_ = RandomMatrix(6, 40, -1.0f, 1.0f, &rng);
    one_hot_ = Matrix::Zero(3, 40);
    for (int j = 0; j < 40; ++j) one_hot_((j * 7) % 3, j) = 1.0f;
    hyper_.c = {4.0f};
    hyper_.rho_d = {1.0f, 1.0f};
    hyper_.rho = {0.05f, 0.05f};
  }

  // min over X_1 >= 0 of F(W, X_1) at fixed W: with one hidden layer this
  // is the single, strongly convex X_1 block, solved to convergence.
  double MinOverX(float lambda) {
    hyper_.lambda = {lambda};
    Matrix pre0;
    net_->PreActivation(0, inputs_, &pre0);
    Matrix x1 = pre0.cwiseMax(0.0f);
    XBlock block(pre0, hyper_.constraint_weight(0), net_->layer(1), one_hot_,
                 hyper_.loss_weight(), DataTerm::kSoftmaxCrossEntropy);
    BlockSolverSettings settings;
    settings.max_iterations = 20000;
    SolveBlock(block, settings, &x1);
    return EvaluateLiftedObjective(*net_, {inputs_, x1}, one_hot_, hyper_, *net_).total;
  }

  std::unique_ptr<Network> net_;
  Matrix inputs_, one_hot_;
  FlnHyperparameters hyper_;
};

TEST_F(SmallNetTest, WeakDualityAtFixedWeights) {
  std::vector<Matrix> x;
  Matrix logits;
  net_->Forward(inputs_, &x, &logits);
  const double ridge = 0.05 * (net_->layer(0).weight.squaredNorm() +
                               net_->layer(1).weight.squaredNorm());
  const double upper = hyper_.loss_weight() *
                           CrossEntropyPerColumn(logits, one_hot_).cast<double>().sum() +
                       ridge;  // F at the feed-forward X: w_L CE(W) + ridge
  double previous = 0;
  for (float lambda : {0.01f, 0.1f, 1.0f, 10.0f, 100.0f, 1000.0f}) {
    const double minimum = MinOverX(lambda);
    SCOPED_TRACE(testing::Message() << "lambda " << lambda);
    EXPECT_LE(minimum, upper * (1 + 1e-6));
    EXPECT_GE(minimum, previous * (1 - 1e-6)) << "min_X F must not fall as lambda grows";
    previous = minimum;
  }
  // A loose relaxation is far below the loss; a tight one closes the gap.
  EXPECT_LT(MinOverX(0.01f), 0.5 * upper);
  EXPECT_GT(MinOverX(1000.0f), 0.99 * upper);
}

// X_l >= 0: at the minimiser the projected gradient vanishes, i.e.
// grad = 0 where X > 0 and grad >= 0 where X = 0. "0" is relative to the
// starting gradient: the solver stops where a float32 objective no longer
// resolves a step, about 2e-4 of it here.
TEST_F(SmallNetTest, SolvedXBlockSatisfiesKkt) {
  hyper_.lambda = {2.0f};
  Matrix pre0;
  net_->PreActivation(0, inputs_, &pre0);
  Matrix x1 = pre0.cwiseMax(0.0f);
  XBlock block(pre0, hyper_.constraint_weight(0), net_->layer(1), one_hot_,
               hyper_.loss_weight(), DataTerm::kSoftmaxCrossEntropy);
  const float scale = BlockGradient(block, x1).cwiseAbs().maxCoeff();
  BlockSolverSettings settings;
  settings.max_iterations = 20000;
  SolveBlock(block, settings, &x1);
  const Matrix grad = BlockGradient(block, x1);
  int at_bound = 0;
  for (Eigen::Index i = 0; i < x1.size(); ++i) {
    if (x1.data()[i] > 0) {
      EXPECT_NEAR(grad.data()[i], 0.0f, 1e-3f * scale) << "interior coordinate " << i;
    } else {
      ++at_bound;
      EXPECT_GE(grad.data()[i], -1e-3f * scale) << "coordinate " << i << " at X = 0";
    }
  }
  EXPECT_GT(at_bound, 0) << "the test should exercise the bound";
}

// (W, b) blocks are unconstrained: the gradient vanishes at the minimiser
// (relative to the starting gradient, as above).
TEST_F(SmallNetTest, SolvedWBlocksSatisfyKkt) {
  hyper_.lambda = {2.0f};
  Matrix pre0;
  net_->PreActivation(0, inputs_, &pre0);
  Rng rng(3);
  const Matrix target = (pre0 + RandomMatrix(16, 40, -0.5f, 0.5f, &rng)).cwiseMax(0.0f);
  LocalCollective collective;
  for (bool output : {false, true}) {
    SCOPED_TRACE(output ? "output W-block" : "hidden W-block");
    const int l = output ? 1 : 0;
    const Matrix& input = output ? target : inputs_;
    WBlock block(input, output ? one_hot_ : target,
                 output ? DataTerm::kSoftmaxCrossEntropy : DataTerm::kFenchelRelu,
                 output ? hyper_.loss_weight() : hyper_.constraint_weight(0),
                 net_->layer(l), hyper_.rho_d[l], hyper_.rho[l], WStep::kGram, &collective);
    Matrix z = PackAffine(net_->layer(l)) + RandomMatrix(net_->layer(l).units(),
                                                         net_->layer(l).fan_in() + 1, -0.5f,
                                                         0.5f, &rng);
    const float scale = BlockGradient(block, z).cwiseAbs().maxCoeff();
    BlockSolverSettings settings;
    settings.max_iterations = 20000;
    SolveBlock(block, settings, &z);
    EXPECT_LT(BlockGradient(block, z).cwiseAbs().maxCoeff(), 1e-3f * scale);
  }
}

// The Gram step z = y - grad H^{-1} minimises the quadratic model
// f(y) + <grad, z - y> + 1/2 (z - y) H (z - y)^T, whose value there is
// f(y) - 1/2 <grad, y - z>. H majorises the block, so f(z) is at most
// that, from any y: SolveBlock's acceptance test is a safeguard, not what
// makes the step monotone.
TEST_F(SmallNetTest, GramMetricStepMinimisesAMajoriser) {
  Matrix pre0;
  net_->PreActivation(0, inputs_, &pre0);
  Rng rng(5);
  const Matrix target = (pre0 + RandomMatrix(16, 40, -0.5f, 0.5f, &rng)).cwiseMax(0.0f);
  LocalCollective collective;
  for (bool output : {false, true}) {
    const int l = output ? 1 : 0;
    const Matrix& input = output ? target : inputs_;
    WBlock block(input, output ? one_hot_ : target,
                 output ? DataTerm::kSoftmaxCrossEntropy : DataTerm::kFenchelRelu,
                 output ? 10.0f : 2.0f, net_->layer(l), /*rho_d=*/0.5f, /*rho=*/0.1f,
                 WStep::kGram, &collective);
    for (int trial = 0; trial < 50; ++trial) {
      SCOPED_TRACE(testing::Message() << (output ? "output" : "hidden") << " trial " << trial);
      const float spread = trial < 25 ? 0.3f : 3.0f;
      const Matrix y = PackAffine(net_->layer(l)) +
                       RandomMatrix(net_->layer(l).units(), net_->layer(l).fan_in() + 1,
                                    -spread, spread, &rng);
      const Matrix grad = BlockGradient(block, y);
      Matrix z;
      block.Step(y, grad, &z);
      const double f_y = BlockObjective(block, y);
      const double model = f_y - 0.5 * static_cast<double>((grad.array() * (y - z).array()).sum());
      EXPECT_LE(BlockObjective(block, z), model + 1e-5 * std::abs(f_y));
      EXPECT_LT(model, f_y);  // the step is a descent step
    }
  }
}

TEST(LipschitzTest, LayerOperatorNormsMatchTheExplicitOperator) {
  Network net = Network::Create(SmallConvNet(/*pool_before_dense=*/true)).value();
  Rng rng(7);
  net.InitGlorotUniform(0.1f, &rng);
  for (int l = 0; l < net.num_layers(); ++l) {
    SCOPED_TRACE(testing::Message() << "layer " << l);
    Layer linear = net.layer(l);
    linear.bias.setZero();
    // The explicit matrix of X -> W F(X) on one sample, column by column.
    const Matrix identity = Matrix::Identity(linear.input_size, linear.input_size);
    Matrix explicit_operator;
    linear.Forward(identity, &explicit_operator);
    const float largest = Eigen::JacobiSVD<Matrix>(explicit_operator).singularValues()(0);
    const float bound = SquaredOperatorNorm(net.layer(l));
    EXPECT_GE(bound, largest * largest * (1 - 1e-5f)) << "not an upper bound";
    EXPECT_LE(bound, largest * largest * 1.05f) << "too loose";
  }
}

}  // namespace
}  // namespace fln
