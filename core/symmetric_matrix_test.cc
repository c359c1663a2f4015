#include "core/symmetric_matrix.h"

#include "gtest/gtest.h"

namespace fln {
namespace {

TEST(SymmetricMatrixTest, GramMatchesTheProduct) {
  const Matrix x = Matrix::Random(7, 4);
  Matrix gram;
  GramMatrix(x, &gram);
  EXPECT_TRUE(gram.isApprox(x * x.transpose(), 1e-5f));
}

TEST(SymmetricMatrixTest, GramOfWideInputSplitOverChunksMatchesTheProduct) {
  const Matrix x = Matrix::Random(25, 200000);
  Matrix gram;
  GramMatrix(x, &gram);
  const Matrix expected = (x.cast<double>() * x.cast<double>().transpose()).cast<float>();
  EXPECT_LT((gram - expected).cwiseAbs().maxCoeff(), 1e-5f * expected.cwiseAbs().maxCoeff());
  EXPECT_EQ(gram, gram.transpose());
}

TEST(SymmetricMatrixTest, AddsToTheLowerTriangleOfABlockAndMirrorsIt) {
  const Matrix x = Matrix::Random(5, 8), y = Matrix::Random(5, 3);
  Matrix c = Matrix::Constant(5, 6, 7.0f);  // a Gram block and a column beside it
  AddToLowerGram(x, c.leftCols(5));
  AddToLowerGram(y, c.leftCols(5));
  EXPECT_EQ(c(0, 4), 7.0f) << "the strict upper triangle is left alone";
  EXPECT_TRUE(c.col(5).isConstant(7.0f)) << "the column beside the block is left alone";
  Matrix gram = c.leftCols(5);
  MirrorLowerTriangle(&gram);
  const Matrix expected = x * x.transpose() + y * y.transpose() + Matrix::Constant(5, 5, 7.0f);
  EXPECT_TRUE(gram.isApprox(expected, 1e-5f));
}

TEST(SymmetricMatrixTest, SolvesWithTheCholeskyFactor) {
  const Matrix x = Matrix::Random(6, 9);
  Matrix a = x * x.transpose();
  a.diagonal().array() += 0.5f;
  Matrix factor = a;
  ASSERT_TRUE(CholeskyFactorInPlace(&factor));
  EXPECT_TRUE((factor * factor.transpose()).isApprox(a, 1e-5f));
  EXPECT_EQ(Matrix(factor.triangularView<Eigen::StrictlyUpper>()), Matrix::Zero(6, 6));
  const Matrix rhs = Matrix::Random(4, 6);
  Matrix solution = rhs;
  SolveOnTheRight(factor, &solution);
  EXPECT_TRUE((solution * a).isApprox(rhs, 1e-4f));
}

TEST(SymmetricMatrixTest, RejectsAnIndefiniteMatrix) {
  Matrix a = Matrix::Identity(3, 3);
  a(1, 1) = -1.0f;
  EXPECT_FALSE(CholeskyFactorInPlace(&a));
}

}  // namespace
}  // namespace fln
