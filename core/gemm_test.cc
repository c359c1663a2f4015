#include "core/gemm.h"

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

}  // namespace
}  // namespace fln
