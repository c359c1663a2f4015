#include "core/gemm.h"

#include <omp.h>

#include <cmath>
#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace fln {
namespace {

TEST(GemmTest, MultiplyByTransposeMatchesEigenAndOverwrites) {
  const Matrix a = Matrix::Random(7, 5), b = Matrix::Random(3, 5);
  Matrix c = Matrix::Constant(7, 3, 100.0f);  // stale values must not leak in
  MultiplyByTransposeInto(a, b, c);
  const Matrix expected = a * b.transpose();
  ASSERT_EQ(c.rows(), 7);
  ASSERT_EQ(c.cols(), 3);
  EXPECT_TRUE(c.isApprox(expected, 1e-6f));
}

// Every transpose combination, beta 0 and 1, on both engines, into a block
// of a larger matrix; beta 0 must not let stale NaNs through.
TEST(GemmTest, MultiplyIntoMatchesEigenOnBothEngines) {
  const Matrix a = Matrix::Random(9, 6), b = Matrix::Random(6, 4);
  const Matrix at = a.transpose(), bt = b.transpose();
  const Matrix expected = a * b;
  for (const GemmEngine engine : {GemmEngine::kOpenBlas, GemmEngine::kEigen}) {
    for (const bool ta : {false, true}) {
      for (const bool tb : {false, true}) {
        SCOPED_TRACE(::testing::Message()
                     << "engine " << static_cast<int>(engine) << " ta " << ta << " tb " << tb);
        Matrix c = Matrix::Constant(9, 5, std::numeric_limits<float>::quiet_NaN());
        MultiplyInto(ta ? at : a, ta, tb ? bt : b, tb, 0.0f, c.leftCols(4), engine);
        EXPECT_TRUE(c.leftCols(4).isApprox(expected, 1e-5f));
        EXPECT_TRUE(std::isnan(c(0, 4)));  // outside the block: untouched
        MultiplyInto(ta ? at : a, ta, tb ? bt : b, tb, 1.0f, c.leftCols(4), engine);
        EXPECT_TRUE(c.leftCols(4).isApprox(2 * expected, 1e-5f));
      }
    }
  }
}

TEST(GemmTest, MultiplyIntoWithNoInnerDimension) {
  for (const GemmEngine engine : {GemmEngine::kOpenBlas, GemmEngine::kEigen}) {
    Matrix c = Matrix::Constant(3, 2, 7.0f);
    MultiplyInto(Matrix(3, 0), false, Matrix(0, 2), false, 1.0f, c, engine);
    EXPECT_EQ(c, Matrix::Constant(3, 2, 7.0f));  // adds nothing
    MultiplyInto(Matrix(3, 0), false, Matrix(0, 2), false, 0.0f, c, engine);
    EXPECT_EQ(c, Matrix::Zero(3, 2));
  }
}

TEST(GemmTest, MultiplyResizesItsResult) {
  const Matrix a = Matrix::Random(5, 3), b = Matrix::Random(4, 3);
  Matrix c(1, 1);
  Multiply(a, false, b, true, &c);
  ASSERT_EQ(c.rows(), 5);
  ASSERT_EQ(c.cols(), 4);
  EXPECT_TRUE(c.isApprox(a * b.transpose(), 1e-5f));
  Multiply(a, true, a, false, &c);
  ASSERT_EQ(c.rows(), 3);
  ASSERT_EQ(c.cols(), 3);
  EXPECT_TRUE(c.isApprox(a.transpose() * a, 1e-5f));
}

TEST(GemmTest, EngineRule) {
  // The environment's choice wins, either way.
  EXPECT_EQ(ChooseGemmEngine("openblas", true, "Haswell"), GemmEngine::kOpenBlas);
  EXPECT_EQ(ChooseGemmEngine("eigen", false, "SkylakeX"), GemmEngine::kEigen);
  // Otherwise Eigen only where it is wider than OpenBLAS's kernels.
  EXPECT_EQ(ChooseGemmEngine(nullptr, true, "Haswell"), GemmEngine::kEigen);
  EXPECT_EQ(ChooseGemmEngine("", true, "Zen"), GemmEngine::kEigen);
  EXPECT_EQ(ChooseGemmEngine(nullptr, true, "Cooperlake"), GemmEngine::kOpenBlas);
  EXPECT_EQ(ChooseGemmEngine(nullptr, true, "SkylakeX"), GemmEngine::kOpenBlas);
  EXPECT_EQ(ChooseGemmEngine("fast", false, "Haswell"), GemmEngine::kOpenBlas);
}

TEST(GemmTest, RowSumsForAnyNumberOfColumns) {
  // 16-column blocks plus a remainder, exactly one block, and fewer columns.
  for (const int cols : {1000, 16, 5}) {
    const Matrix m = Matrix::Random(6, cols);
    Vector sums;
    RowSums(m, &sums);
    const Vector expected = m.rowwise().sum();
    ASSERT_EQ(sums.size(), 6) << cols;
    EXPECT_LT((sums - expected).cwiseAbs().maxCoeff(), 1e-4f * m.cwiseAbs().sum() / 6) << cols;
  }
}

// The W-block writes its weight gradient into the left columns of [W b]'s.
TEST(GemmTest, MultiplyByTransposeWritesIntoAColumnBlock) {
  const Matrix a = Matrix::Random(7, 5), b = Matrix::Random(3, 5);
  Matrix c = Matrix::Constant(7, 4, 100.0f);
  MultiplyByTransposeInto(a, b, c.leftCols(3));
  EXPECT_TRUE(c.leftCols(3).isApprox(a * b.transpose(), 1e-6f));
  EXPECT_EQ(c.col(3), Vector::Constant(7, 100.0f));
}

TEST(GemmTest, EmptyInnerDimensionGivesZeros) {
  Matrix c = Matrix::Constant(4, 3, 1.0f);
  MultiplyByTransposeInto(Matrix(4, 0), Matrix(3, 0), c);
  EXPECT_EQ(c, Matrix::Zero(4, 3));
}

// Wide inputs (a convolution W-block's windows) are summed over column
// chunks in parallel; the result must match one product and must not depend
// on the thread count.
TEST(GemmTest, WideProductsSplitOverColumnChunksMatchOneProduct) {
  const Eigen::Index columns = 200000;
  const Matrix a = Matrix::Random(6, columns), b = Matrix::Random(25, columns);
  ASSERT_TRUE(WorthSplittingColumns(columns, 25, 6, 25));
  const int threads = omp_get_max_threads();
  std::vector<Matrix> by_threads;
  for (const int t : {1, 2, 3}) {
    omp_set_num_threads(t);
    by_threads.emplace_back(6, 25);
    MultiplyByTransposeInto(a, b, by_threads.back());
  }
  omp_set_num_threads(threads);
  const Matrix expected = (a.cast<double>() * b.cast<double>().transpose()).cast<float>();
  EXPECT_LT((by_threads[0] - expected).cwiseAbs().maxCoeff(), 1e-3f);
  EXPECT_EQ(by_threads[0], by_threads[1]);
  EXPECT_EQ(by_threads[0], by_threads[2]);
  // A small inner dimension (an MLP's W-block on 500 samples): one product.
  EXPECT_FALSE(WorthSplittingColumns(500, 784, 300, 784));
}

}  // namespace
}  // namespace fln
