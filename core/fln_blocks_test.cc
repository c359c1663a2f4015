#include "core/fln_blocks.h"

#include <cmath>
#include <memory>

#include "core/block_test_util.h"
#include "core/rng.h"
#include "gtest/gtest.h"

namespace fln {
namespace {

// Central finite differences of the block objective against Gradient(),
// at every coordinate of z.
void ExpectGradientMatchesFiniteDifferences(const BlockProblem& problem, const Matrix& z) {
  Matrix p, grad;
  problem.Map(z, &p);
  problem.Gradient(z, p, &grad);
  const float h = 1e-2f;
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    Matrix plus = z, minus = z;
    plus.data()[i] += h;
    minus.data()[i] -= h;
    const double numeric =
        (BlockObjective(problem, plus) - BlockObjective(problem, minus)) / (2 * h);
    EXPECT_NEAR(grad.data()[i], numeric, 2e-3 * (1.0 + std::abs(numeric)))
        << "coordinate " << i;
  }
}

class BlocksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Finite differences are exact for these piecewise quadratics unless
    // +-h crosses a ReLU kink: draw until both test points (X and [W b])
    // keep every pre-activation at least 0.05 from 0 (|dp| <= h here).
    for (uint64_t seed = 1; seed < 10000; ++seed) {
      Draw(seed);
      Matrix p_x = layer_.weight * x_;
      p_x.colwise() += layer_.bias;
      if (!NearKink(p_x, 0.05f)) return;
    }
    FAIL() << "no kink-free test point found";
  }

  void Draw(uint64_t seed) {
    Rng rng(seed);
    // Shapes: X_l is 4 x 6, layer l maps 4 -> 3.
    upstream_ = RandomMatrix(4, 6, -1.0f, 1.0f, &rng);
    layer_.weight = RandomMatrix(3, 4, -1.0f, 1.0f, &rng);
    layer_.bias = RandomMatrix(3, 1, -0.2f, 0.2f, &rng).col(0);
    anchor_.weight = layer_.weight + RandomMatrix(3, 4, -0.1f, 0.1f, &rng);
    anchor_.bias = layer_.bias;
    relu_target_ = RandomMatrix(3, 6, 0.0f, 1.0f, &rng);
    one_hot_ = Matrix::Zero(3, 6);
    for (int j = 0; j < 6; ++j) one_hot_(j % 3, j) = 1.0f;
    x_ = RandomMatrix(4, 6, 0.1f, 1.0f, &rng);
  }

  // True if a pre-activation sits within `margin` of the ReLU kink at 0.
  static bool NearKink(const Matrix& pre, float margin) {
    return (pre.array().abs() < margin).any();
  }

  Matrix upstream_, relu_target_, one_hot_, x_;
  Layer layer_, anchor_;
  LocalCollective collective_;
};

TEST_F(BlocksTest, HiddenXBlockGradientMatchesFiniteDifferences) {
  XBlock block(upstream_, 2.0f, layer_, relu_target_, 3.0f, DataTerm::kFenchelRelu);
  Matrix p;
  block.Map(x_, &p);
  ASSERT_FALSE(NearKink(p, 0.05f)) << "pick another seed: the test point is near a kink";
  ExpectGradientMatchesFiniteDifferences(block, x_);
}

TEST_F(BlocksTest, OutputXBlockGradientMatchesFiniteDifferences) {
  XBlock block(upstream_, 2.0f, layer_, one_hot_, 10.0f, DataTerm::kSoftmaxCrossEntropy);
  ExpectGradientMatchesFiniteDifferences(block, x_);
}

TEST_F(BlocksTest, HiddenWBlockGradientMatchesFiniteDifferences) {
  WBlock block(x_, relu_target_, DataTerm::kFenchelRelu, 2.0f, anchor_, 1.5f, 0.5f,
               WStep::kGram, &collective_);
  const Matrix z = PackAffine(layer_);
  Matrix p;
  block.Map(z, &p);
  ASSERT_FALSE(NearKink(p, 0.05f)) << "pick another seed: the test point is near a kink";
  ExpectGradientMatchesFiniteDifferences(block, z);
}

TEST_F(BlocksTest, OutputWBlockGradientMatchesFiniteDifferences) {
  WBlock block(x_, one_hot_, DataTerm::kSoftmaxCrossEntropy, 10.0f, anchor_, 1.5f, 0.5f,
               WStep::kLipschitz, &collective_);
  ExpectGradientMatchesFiniteDifferences(block, PackAffine(layer_));
}

TEST_F(BlocksTest, XBlockSolveKeepsActivationsNonNegative) {
  XBlock block(upstream_, 1.0f, layer_, relu_target_, 5.0f, DataTerm::kFenchelRelu);
  Matrix z = upstream_.cwiseMax(0.0f);
  SolveBlock(block, BlockSolverSettings{50, 0.0, true}, &z);
  EXPECT_GE(z.minCoeff(), 0.0f);
}

// Every solver must reach the same minimiser: the blocks are convex.
struct SolverCase {
  const char* name;
  bool accelerate;
  WStep step;
};

class WBlockSolverTest : public BlocksTest,
                         public ::testing::WithParamInterface<SolverCase> {};

TEST_P(WBlockSolverTest, NeverIncreasesObjectiveAndReachesTheMinimum) {
  const SolverCase c = GetParam();
  for (DataTerm term : {DataTerm::kFenchelRelu, DataTerm::kSoftmaxCrossEntropy}) {
    const Matrix& target = term == DataTerm::kFenchelRelu ? relu_target_ : one_hot_;
    WBlock block(x_, target, term, 3.0f, anchor_, 0.5f, 0.1f, c.step, &collective_);
    Matrix z = PackAffine(layer_);
    double previous = BlockObjective(block, z);
    for (int round = 0; round < 30; ++round) {
      const BlockSolveResult r = SolveBlock(block, BlockSolverSettings{5, 0.0, c.accelerate}, &z);
      EXPECT_LE(r.final_objective, r.initial_objective);
      EXPECT_LE(BlockObjective(block, z), previous + 1e-5 * std::abs(previous));
      previous = BlockObjective(block, z);
    }
    // Reference minimum: many accelerated Gram steps.
    WBlock reference(x_, target, term, 3.0f, anchor_, 0.5f, 0.1f, WStep::kGram, &collective_);
    Matrix best = PackAffine(layer_);
    SolveBlock(reference, BlockSolverSettings{2000, 0.0, true}, &best);
    EXPECT_NEAR(previous, BlockObjective(reference, best), 1e-3 * (1 + std::abs(previous)))
        << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Solvers, WBlockSolverTest,
    ::testing::Values(SolverCase{"fista", true, WStep::kLipschitz},
                      SolverCase{"projected_gradient", false, WStep::kLipschitz},
                      SolverCase{"gram", true, WStep::kGram},
                      SolverCase{"gram_plain", false, WStep::kGram}),
    [](const ::testing::TestParamInfo<SolverCase>& info) { return std::string(info.param.name); });

TEST_F(BlocksTest, XBlockSolversAgreeAtTheMinimum) {
  XBlock block(upstream_, 1.0f, layer_, one_hot_, 10.0f, DataTerm::kSoftmaxCrossEntropy);
  Matrix fista = upstream_.cwiseMax(0.0f), plain = fista;
  const BlockSolveResult a = SolveBlock(block, BlockSolverSettings{500, 0.0, true}, &fista);
  const BlockSolveResult b = SolveBlock(block, BlockSolverSettings{5000, 0.0, false}, &plain);
  EXPECT_LE(a.final_objective, a.initial_objective);
  EXPECT_NEAR(a.final_objective, b.final_objective, 1e-4 * std::abs(a.final_objective));
  // KKT for X >= 0: the projected gradient vanishes at the minimiser.
  Matrix p, grad;
  block.Map(fista, &p);
  block.Gradient(fista, p, &grad);
  const Matrix projected = (fista.array() > 0.0f).select(grad, grad.cwiseMin(0.0f));
  // Gradients here are O(10) (c = 10), so 5e-3 is ~1e-4 relative: float precision.
  EXPECT_LT(projected.cwiseAbs().maxCoeff(), 5e-3f);
}

// Forwards to a problem but hides ColumnSlice, forcing a whole-block solve.
class Untiled final : public BlockProblem {
 public:
  explicit Untiled(const BlockProblem& inner) : inner_(inner) {}
  GroupAxis axis() const override { return inner_.axis(); }
  void Map(const Matrix& z, Matrix* p) const override { inner_.Map(z, p); }
  void GroupObjectives(const Matrix& z, const Matrix& p, Vector* v) const override {
    inner_.GroupObjectives(z, p, v);
  }
  void Gradient(const Matrix& z, const Matrix& p, Matrix* g) const override {
    inner_.Gradient(z, p, g);
  }
  void Step(const Matrix& y, const Matrix& g, Matrix* z) const override { inner_.Step(y, g, z); }

 private:
  const BlockProblem& inner_;
};

TEST(XBlockTilingTest, TiledSolveMatchesTheWholeSolve) {
  Rng rng(17);
  const int m = 3 * static_cast<int>(kColumnTile) + 5;  // a ragged last tile
  const Matrix upstream = RandomMatrix(6, m, -1.0f, 1.0f, &rng);
  Layer layer;
  layer.weight = RandomMatrix(4, 6, -1.0f, 1.0f, &rng);
  layer.bias = Vector::Zero(4);
  Matrix one_hot = Matrix::Zero(4, m);
  for (int j = 0; j < m; ++j) one_hot(j % 4, j) = 1.0f;
  XBlock block(upstream, 1.0f, layer, one_hot, 10.0f, DataTerm::kSoftmaxCrossEntropy);
  ASSERT_NE(block.ColumnSlice(0, 1), nullptr);

  Matrix tiled = upstream.cwiseMax(0.0f), whole = tiled, p_tiled, p_whole;
  const BlockSolveResult a = SolveBlock(block, BlockSolverSettings{300, 0.0, true}, &tiled, &p_tiled);
  const BlockSolveResult b =
      SolveBlock(Untiled(block), BlockSolverSettings{300, 0.0, true}, &whole, &p_whole);
  EXPECT_NEAR(a.initial_objective, b.initial_objective, 1e-5 * std::abs(b.initial_objective));
  EXPECT_NEAR(a.final_objective, b.final_objective, 1e-4 * std::abs(b.final_objective));
  EXPECT_LT(a.final_objective, a.initial_objective);
  // Both stop where float32 cannot lower a column's objective (~1e-6
  // relative); with strong convexity 1 that pins the iterates to ~1e-2.
  EXPECT_LT((tiled - whole).cwiseAbs().maxCoeff(), 1e-2f);
  Matrix p_expected;
  block.Map(tiled, &p_expected);
  EXPECT_LT((p_tiled - p_expected).cwiseAbs().maxCoeff(), 1e-4f);
}

TEST(SquaredSpectralNormTest, MatchesTheLargestSingularValue) {
  Rng rng(3);
  const Matrix m = RandomMatrix(7, 5, -1.0f, 1.0f, &rng);
  Eigen::JacobiSVD<Matrix> svd(m);
  const float sigma = svd.singularValues()(0);
  const float estimate = SquaredSpectralNorm(m);
  EXPECT_GE(estimate, sigma * sigma * 0.999f);
  EXPECT_LE(estimate, sigma * sigma * 1.03f);
}

}  // namespace
}  // namespace fln
