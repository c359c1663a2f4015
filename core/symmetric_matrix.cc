#include "core/symmetric_matrix.h"

#include "core/gemm.h"
#include "third_party/blas.h"

namespace fln {

void GramMatrix(const Matrix& x, Matrix* gram) {
  const Eigen::Index n = x.rows();
  if (WorthSplittingColumns(x.cols(), n, n, n)) {
    *gram = SumOverColumnChunks(x.cols(), n, n, n,
                                [&](Eigen::Index first, Eigen::Index count, Matrix* partial) {
                                  AddToLowerGram(x.middleCols(first, count), *partial);
                                });
  } else {
    gram->setZero(n, n);
    AddToLowerGram(x, *gram);
  }
  MirrorLowerTriangle(gram);
}

void AddToLowerGram(const Eigen::Ref<const Matrix>& x, Eigen::Ref<Matrix> c) {
  const int n = static_cast<int>(x.rows()), k = static_cast<int>(x.cols());
  const int lda = static_cast<int>(x.outerStride()), ldc = static_cast<int>(c.outerStride());
  if (n == 0 || k == 0) return;
  const float one = 1.0f;
  ssyrk_("L", "N", &n, &k, &one, x.data(), &lda, &one, c.data(), &ldc);
}

void MirrorLowerTriangle(Matrix* m) { m->triangularView<Eigen::StrictlyUpper>() = m->transpose(); }

bool CholeskyFactorInPlace(Matrix* a) {
  const int n = static_cast<int>(a->rows());
  int info = 0;
  spotrf_("L", &n, a->data(), &n, &info);
  if (info != 0) return false;
  a->triangularView<Eigen::StrictlyUpper>().setZero();
  return a->allFinite();
}

void SolveOnTheRight(const Matrix& cholesky_factor, Matrix* b) {
  const int m = static_cast<int>(b->rows()), n = static_cast<int>(b->cols());
  if (m == 0 || n == 0) return;
  const float one = 1.0f;
  // b L L^T = rhs: first b L = rhs L^{-T}, then b = (that) L^{-1}. OpenBLAS's
  // TRSM on every GEMM engine: Eigen's solves on one thread (the MLP's W0
  // block took 0.57-0.59 s per 20,000 images with it, 0.34-0.44 with
  // OpenBLAS's: bench/README.md).
  strsm_("R", "L", "T", "N", &m, &n, &one, cholesky_factor.data(), &n, b->data(), &m);
  strsm_("R", "L", "N", "N", &m, &n, &one, cholesky_factor.data(), &n, b->data(), &m);
}

}  // namespace fln
