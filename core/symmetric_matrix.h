// File: symmetric_matrix.h
//
// The dense kernels behind the Gram-preconditioned W-step, routed to
// OpenBLAS/LAPACK: the Gram matrix by SYRK (half a GEMM's work) and solves
// with a symmetric positive-definite matrix by its Cholesky factor (POTRF,
// then two TRSMs per right-hand side). For the MLP's first W-block (785 x
// 785, 300 rows) factor and solve take 4.4 ms against 8.5 ms for forming
// the inverse (POTRI) and multiplying by it (2 threads, bench/README.md).
#ifndef FLN_CORE_SYMMETRIC_MATRIX_H_
#define FLN_CORE_SYMMETRIC_MATRIX_H_

#include "core/matrix.h"

namespace fln {

// gram = x x^T (both triangles filled).
void GramMatrix(const Matrix& x, Matrix* gram);

// The lower triangle of c += x x^T (SYRK); the strict upper triangle is left
// as it is. For sums of Gram matrices over chunks (GramMatrix, conv2d.h);
// fill the upper triangle with MirrorLowerTriangle once they are added.
// REQUIRES: c is x.rows() x x.rows().
void AddToLowerGram(const Eigen::Ref<const Matrix>& x, Eigen::Ref<Matrix> c);

// The strict upper triangle of the square *m = the transpose of its lower one.
void MirrorLowerTriangle(Matrix* m);

// Replaces the symmetric positive-definite `a` by its Cholesky factor L
// (a = L L^T; L in the lower triangle, the strict upper triangle zeroed).
// Returns false, leaving `a` unspecified, if `a` is not numerically
// positive definite.
bool CholeskyFactorInPlace(Matrix* a);

// *b = *b (L L^T)^{-1} for the factor L of CholeskyFactorInPlace.
// REQUIRES: b->cols() == cholesky_factor.rows().
void SolveOnTheRight(const Matrix& cholesky_factor, Matrix* b);

}  // namespace fln

#endif  // FLN_CORE_SYMMETRIC_MATRIX_H_
