// File: symmetric_matrix.h
//
// The two dense kernels behind the Gram-preconditioned W-step, routed to
// OpenBLAS/LAPACK: the Gram matrix by SYRK (half a GEMM's work) and the
// inverse of a symmetric positive-definite matrix by POTRF + POTRI (measured
// 1.6x faster than Eigen's LLT solve against the identity for 785 x 785,
// bench/README.md).
#ifndef FLN_CORE_SYMMETRIC_MATRIX_H_
#define FLN_CORE_SYMMETRIC_MATRIX_H_

#include "core/matrix.h"

namespace fln {

// gram = x x^T (both triangles filled).
void GramMatrix(const Matrix& x, Matrix* gram);

// Replaces the symmetric positive-definite `a` by its inverse (both
// triangles). Returns false, leaving `a` unspecified, if `a` is not
// numerically positive definite.
bool InvertSymmetricPositiveDefinite(Matrix* a);

}  // namespace fln

#endif  // FLN_CORE_SYMMETRIC_MATRIX_H_
