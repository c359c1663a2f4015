#include "core/gemm.h"

#include <omp.h>

#include "gtest/gtest.h"

namespace fln {
namespace {

TEST(GemmTest, MultiplyByTransposeMatchesEigenAndOverwrites) {
  const Matrix a = Matrix::Random(7, 5), b = Matrix::Random(3, 5);
  Matrix c = Matrix::Constant(7, 3, 100.0f);  // stale values must not leak in
  MultiplyByTransposeInto(a, b, &c);
  const Matrix expected = a * b.transpose();
  ASSERT_EQ(c.rows(), 7);
  ASSERT_EQ(c.cols(), 3);
  EXPECT_TRUE(c.isApprox(expected, 1e-6f));
}

TEST(GemmTest, EmptyInnerDimensionGivesZeros) {
  Matrix c = Matrix::Constant(2, 2, 1.0f);
  MultiplyByTransposeInto(Matrix(4, 0), Matrix(3, 0), &c);
  EXPECT_EQ(c, Matrix::Zero(4, 3));
}

// Wide inputs (a convolution W-block's windows) are summed over column
// chunks in parallel; the result must match one product.
TEST(GemmTest, WideProductsSplitOverColumnChunksMatchOneProduct) {
  omp_set_num_threads(2);
  const Eigen::Index columns = 200000;
  const Matrix a = Matrix::Random(6, columns), b = Matrix::Random(25, columns);
  ASSERT_TRUE(WorthSplittingColumns(columns, 25, 6, 25));
  Matrix c;
  MultiplyByTransposeInto(a, b, &c);
  const Matrix expected = (a.cast<double>() * b.cast<double>().transpose()).cast<float>();
  EXPECT_LT((c - expected).cwiseAbs().maxCoeff(), 1e-3f);
  // Inside a parallel region, or with a small inner dimension: one product.
  EXPECT_FALSE(WorthSplittingColumns(500, 784, 300, 784));
}

}  // namespace
}  // namespace fln
