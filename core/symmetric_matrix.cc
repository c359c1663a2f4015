#include "core/symmetric_matrix.h"

// LAPACK from the OpenBLAS build linked by //third_party:openblas. (SYRK's
// declaration comes with Eigen's EIGEN_USE_BLAS headers.)
extern "C" {
void spotrf_(const char* uplo, const int* n, float* a, const int* lda, int* info);
void spotri_(const char* uplo, const int* n, float* a, const int* lda, int* info);
}

namespace fln {

void GramMatrix(const Matrix& x, Matrix* gram) {
  const int n = static_cast<int>(x.rows());
  const int k = static_cast<int>(x.cols());
  gram->resize(n, n);
  const float one = 1.0f, zero = 0.0f;
  ssyrk_("L", "N", &n, &k, &one, x.data(), &n, &zero, gram->data(), &n);
  gram->triangularView<Eigen::StrictlyUpper>() = gram->transpose();
}

bool InvertSymmetricPositiveDefinite(Matrix* a) {
  const int n = static_cast<int>(a->rows());
  int info = 0;
  spotrf_("L", &n, a->data(), &n, &info);
  if (info != 0) return false;
  spotri_("L", &n, a->data(), &n, &info);
  if (info != 0) return false;
  a->triangularView<Eigen::StrictlyUpper>() = a->transpose();
  return a->allFinite();
}

}  // namespace fln
