#include "core/gemm.h"

#include <cassert>

namespace fln {

void MultiplyByTransposeInto(const Matrix& a, const Matrix& b, Matrix* c) {
  assert(a.cols() == b.cols());
  c->resize(a.rows(), b.rows());
  if (c->size() == 0) return;
  if (a.cols() == 0) {
    c->setZero();
    return;
  }
  const int m = static_cast<int>(a.rows()), n = static_cast<int>(b.rows());
  const int k = static_cast<int>(a.cols());
  const float one = 1.0f, zero = 0.0f;
  // Declared by Eigen's BLAS interface (EIGEN_USE_BLAS, //third_party:eigen).
  sgemm_("N", "T", &m, &n, &k, &one, a.data(), &m, b.data(), &n, &zero, c->data(), &m);
}

}  // namespace fln
