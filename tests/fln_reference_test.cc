// The FLN blocks against an independent implementation: one Fashion-MNIST
// minibatch (784-300-10, 500 images) whose blocks were each solved to tight
// tolerance by numpy/scipy L-BFGS-B (testdata/fln_ref_batch0/manifest.json).
// Every block is strongly convex, so its minimiser is unique and does not
// depend on the solver: fln's solvers, run to convergence, must land on it.
//
// Relaxed objective of the fixture, in fln's units (docs/method.md):
//   F = 10 * sum CE + 2 * sum B(W0 X0 + b0, X1) + 10 ||dW0, db0||^2 + 1000 ||dW1, db1||^2,
// i.e. FlnOptions lambda 2, c 10, rho_d (10, 1000): the authors' settings.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/block_solver.h"
#include "core/collective.h"
#include "core/fenchel.h"
#include "core/fln_blocks.h"
#include "core/fln_hyperparameters.h"
#include "core/fln_trainer.h"
#include "core/idx_reader.h"
#include "core/model_shorthand.h"
#include "core/network.h"
#include "core/one_hot.h"
#include "core/validation.h"
#include "gtest/gtest.h"

namespace fln {
namespace {

constexpr char kFixtureDir[] = "tests/testdata/fln_ref_batch0/";
constexpr char kFashionMnistDir[] = "/usr/share/datasets/fashion-mnist";

// F after each step of the reference's sequence (manifest.json "F_seq"):
// the warm start, X1 solved, then W0, then W1.
constexpr double kFSequence[] = {12098.864288379335, 5486.372470650132, 3355.748427912378,
                                 2518.203650720372};

std::vector<char> ReadFile(const std::string& name) {
  std::ifstream in(kFixtureDir + name, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

// A row-major float32 (little-endian, as on x86) array of rows x cols.
Matrix ReadMatrix(const std::string& name, int rows, int cols) {
  const std::vector<char> bytes = ReadFile(name);
  EXPECT_EQ(bytes.size(), sizeof(float) * rows * cols) << name;
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(rows, cols);
  if (bytes.size() == sizeof(float) * rows * cols) {
    std::memcpy(m.data(), bytes.data(), bytes.size());
  }
  return m;
}

// Largest absolute difference relative to the largest |expected| entry.
double RelativeMaxError(const Matrix& actual, const Matrix& expected) {
  return (actual - expected).cwiseAbs().maxCoeff() / expected.cwiseAbs().maxCoeff();
}

class FlnReferenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TrainTestSplit> data = LoadIdxDirectory(kFashionMnistDir);
    ASSERT_TRUE(data.ok()) << "Debian's dataset-fashion-mnist is needed (scripts/install_deps.sh): "
                           << data.status();
    const std::vector<char> idx_bytes = ReadFile("idx.i32");
    ASSERT_EQ(idx_bytes.size(), 500 * sizeof(int32_t));
    std::vector<int32_t> indices(500);
    std::memcpy(indices.data(), idx_bytes.data(), idx_bytes.size());
    inputs_.resize(784, 500);
    std::vector<int32_t> labels;
    for (int j = 0; j < 500; ++j) {
      inputs_.col(j) = data->train.features.col(indices[j]) / 255.0f;
      labels.push_back(data->train.labels[indices[j]]);
    }
    OneHot(labels, 10, &one_hot_);

    net_ = std::make_unique<Network>(
        Network::Create(ParseModelShorthand("mlp:300", 784, 10).value()).value());
    net_->mutable_layer(0).weight = ReadMatrix("W0.f32", 300, 784);
    net_->mutable_layer(0).bias = ReadMatrix("b0.f32", 300, 1);
    net_->mutable_layer(1).weight = ReadMatrix("W1.f32", 10, 300);
    net_->mutable_layer(1).bias = ReadMatrix("b1.f32", 10, 1);
    start_ = std::make_unique<Network>(*net_);

    v1::Schedule schedule;
    schedule.set_method(v1::FLN);
    options_ = WithDefaults(schedule, 1).fln();  // the authors' settings are the defaults
    hyper_ = FlnHyperparameters::FromProto(options_, 1);
    ASSERT_EQ(hyper_.constraint_weight(0), 2.0f);
    ASSERT_EQ(hyper_.loss_weight(), 10.0f);
    ASSERT_EQ(hyper_.rho_d, std::vector<float>({10.0f, 1000.0f}));
  }

  // F at (net_, [X0, x1]) with the fixture's starting weights as anchor.
  double Objective(const Matrix& x1) const {
    return EvaluateLiftedObjective(*net_, {inputs_, x1}, one_hot_, hyper_, *start_).total;
  }

  // Solves the X_1 block (b) from the feed-forward X_1 to convergence.
  Matrix SolveX1() const {
    Matrix pre0, x1, pre1;
    net_->PreActivation(0, inputs_, &pre0);
    x1 = pre0.cwiseMax(0.0f);
    XBlock block(pre0, hyper_.constraint_weight(0), net_->layer(1), one_hot_,
                 hyper_.loss_weight(), DataTerm::kSoftmaxCrossEntropy);
    BlockSolverSettings settings;
    settings.max_iterations = 3000;
    SolveBlock(block, settings, &x1);
    return x1;
  }

  // Solves W-block `l` on `input` to convergence (Gram-metric steps).
  void SolveW(int l, const Matrix& input, const Matrix& target) {
    LocalCollective collective;
    const bool output = l == 1;
    WBlock block(input, target, output ? DataTerm::kSoftmaxCrossEntropy : DataTerm::kFenchelRelu,
                 output ? hyper_.loss_weight() : hyper_.constraint_weight(l), start_->layer(l),
                 hyper_.rho_d[l], hyper_.rho[l], WStep::kGram, &collective);
    BlockSolverSettings settings;
    settings.max_iterations = output ? 500 : 4000;
    Matrix z = PackAffine(net_->layer(l));
    SolveBlock(block, settings, &z);
    UnpackAffine(z, &net_->mutable_layer(l));
  }

  Matrix inputs_, one_hot_;
  std::unique_ptr<Network> net_, start_;
  v1::FlnOptions options_;
  FlnHyperparameters hyper_;
};

TEST_F(FlnReferenceTest, WarmStartMatchesTheReference) {
  Matrix pre0;
  net_->PreActivation(0, inputs_, &pre0);
  const Matrix x1 = pre0.cwiseMax(0.0f);
  EXPECT_LT(RelativeMaxError(x1, ReadMatrix("X1_warm.f32", 300, 500)), 1e-5);
  EXPECT_NEAR(Objective(x1), kFSequence[0], 1e-5 * kFSequence[0]);
}

TEST_F(FlnReferenceTest, X1BlockMatchesTheReferenceMinimiser) {
  const Matrix x1 = SolveX1();
  const Matrix expected = ReadMatrix("X1_star.f32", 300, 500);
  EXPECT_LT(RelativeMaxError(x1, expected), 1e-3);
  EXPECT_NEAR(Objective(x1), kFSequence[1], 1e-5 * kFSequence[1]);
}

TEST_F(FlnReferenceTest, WBlocksFromTheReferenceX1MatchTheReferenceMinimisers) {
  const Matrix x1 = ReadMatrix("X1_star.f32", 300, 500);
  SolveW(0, inputs_, x1);
  // W0's block is the badly conditioned one (the reference needed about 340
  // L-BFGS-B iterations): the solver stops where a float32 objective no
  // longer resolves a step, 1.1e-3 of the largest entry (1.6e-4 in norm).
  const Matrix w0_star = ReadMatrix("W0_star.f32", 300, 784);
  EXPECT_LT(RelativeMaxError(net_->layer(0).weight, w0_star), 3e-3);
  EXPECT_LT((net_->layer(0).weight - w0_star).norm() / w0_star.norm(), 5e-4);
  EXPECT_LT(RelativeMaxError(net_->layer(0).bias, ReadMatrix("b0_star.f32", 300, 1)), 1e-3);
  EXPECT_NEAR(Objective(x1), kFSequence[2], 1e-5 * kFSequence[2]);

  SolveW(1, x1, one_hot_);
  EXPECT_LT(RelativeMaxError(net_->layer(1).weight, ReadMatrix("W1_star.f32", 10, 300)), 1e-3);
  EXPECT_LT(RelativeMaxError(net_->layer(1).bias, ReadMatrix("b1_star.f32", 10, 1)), 1e-3);
  EXPECT_NEAR(Objective(x1), kFSequence[3], 1e-5 * kFSequence[3]);
}

// How far the default truncated sweep (30 FISTA X-iterations, one
// Gram-metric step per W-block) gets on the same batch, for
// bench/README.md; it must at least descend F.
TEST_F(FlnReferenceTest, DefaultTruncatedSweepOnTheReferenceBatch) {
  LocalCollective collective;
  std::vector<BlockEvent> events;
  FlnTrainer trainer(net_.get(), options_, &collective);
  trainer.set_block_observer([&](const BlockEvent& event) { events.push_back(event); });
  BatchStats stats;
  ASSERT_TRUE(trainer.TrainBatch(inputs_, one_hot_, &stats).ok());
  EXPECT_NEAR(stats.relaxed_start.total, kFSequence[0], 1e-5 * kFSequence[0]);
  EXPECT_LT(stats.relaxed_end.total, stats.relaxed_start.total);
  ASSERT_EQ(events.size(), 3u);
  const Matrix x1_star = ReadMatrix("X1_star.f32", 300, 500);
  std::printf(
      "default sweep on the reference batch: F %.6g -> %.6g (reference, exact blocks: %.6g); "
      "X1 block %d iterations, relative max error of X1 %.3g; W0 %.3g, W1 %.3g from the "
      "reference's exact-block weights\n",
      stats.relaxed_start.total, stats.relaxed_end.total, kFSequence[3],
      events[0].result.iterations, RelativeMaxError(trainer.lifted()[1], x1_star),
      RelativeMaxError(net_->layer(0).weight, ReadMatrix("W0_star.f32", 300, 784)),
      RelativeMaxError(net_->layer(1).weight, ReadMatrix("W1_star.f32", 10, 300)));
}

}  // namespace
}  // namespace fln
