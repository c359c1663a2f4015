// File: blas.h
//
// The Fortran BLAS and LAPACK routines fln calls directly, from the OpenMP
// build of OpenBLAS that //third_party:openblas links. Column-major; every
// argument by pointer. Called outside an OpenMP parallel region they use the
// region's thread count, inside one a single thread.
#ifndef FLN_THIRD_PARTY_BLAS_H_
#define FLN_THIRD_PARTY_BLAS_H_

extern "C" {

// c = alpha op(a) op(b) + beta c.
void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
            const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
            const float* beta, float* c, const int* ldc);

// One triangle of c = alpha a a^T + beta c (trans "N").
void ssyrk_(const char* uplo, const char* trans, const int* n, const int* k, const float* alpha,
            const float* a, const int* lda, const float* beta, float* c, const int* ldc);

// b = alpha b op(a)^{-1} (side "R") or alpha op(a)^{-1} b, a triangular.
void strsm_(const char* side, const char* uplo, const char* transa, const char* diag, const int* m,
            const int* n, const float* alpha, const float* a, const int* lda, float* b,
            const int* ldb);

// Cholesky factor of a symmetric positive-definite a, in place; info != 0 if
// it is not.
void spotrf_(const char* uplo, const int* n, float* a, const int* lda, int* info);

}  // extern "C"

#endif  // FLN_THIRD_PARTY_BLAS_H_
