// File: gemm.h
//
// Matrix products. MultiplyInto runs the hot ones on one of two engines,
// chosen once per process; the rest of the file is about products whose
// result is small next to their inputs: weight gradients (units x features,
// summed over samples), Gram matrices and row sums (bias gradients, the bias
// column of a Gram matrix).
//
// - Eigen evaluates `c.noalias() = a * b` by zeroing c and then accumulating
//   into it (beta = 1): one more pass over c than the product needs (3.5% of
//   an MLP backprop step for its 300 x 784 weight gradient, on OpenBLAS).
//   MultiplyInto's beta 0 skips that pass on OpenBLAS; on the Eigen engine it
//   is Eigen's product and pays it.
// - OpenBLAS and Eigen split a product among threads along the result's rows
//   and columns only, so a product summed over hundreds of thousands of samples
//   into a few dozen rows (a convolution's W-block: 6 x 392,000 times
//   392,000 x 25) runs at 8 GFLOP/s. Summing partial products over column
//   chunks in parallel instead took it from 15 to 3 ms on 2 threads.
#ifndef FLN_CORE_GEMM_H_
#define FLN_CORE_GEMM_H_

#include <functional>
#include <string>

#include "core/matrix.h"

namespace fln {

// The code that runs MultiplyInto's products.
// - OpenBLAS picks its kernels when it is loaded, by CPU model, unless the
//   environment names a set (OPENBLAS_CORETYPE).
// - Eigen's kernels are compiled for the build machine's CPU (-march=native).
// On the AVX-512 EPYC of bench/README.md with OPENBLAS_CORETYPE=Haswell
// (OpenBLAS's AVX2 kernels), one thread multiplies a 300 x 784 by a 784 x 64
// matrix at 134 GFLOP/s in Eigen and 97 in OpenBLAS; with OpenBLAS's own
// AVX-512 kernels it is 171.
enum class GemmEngine { kOpenBlas, kEigen };

// The rule: `forced` (FLN_GEMM's value, or null) "openblas" or "eigen"
// chooses; otherwise (or for any other value) Eigen when it was built with
// AVX-512 and OpenBLAS runs narrower kernels (`openblas_core`, as
// OpenBlasCoreName() names them), else OpenBLAS.
GemmEngine ChooseGemmEngine(const char* forced, bool eigen_has_avx512,
                            const std::string& openblas_core);

// This process's engine: ChooseGemmEngine for its environment and build,
// decided once.
GemmEngine ChosenGemmEngine();

// "Eigen AVX-512", "OpenBLAS Haswell", ...: the chosen engine and its kernels.
std::string GemmEngineName();

// c = op(a) op(b) + beta c, op(m) being m^T where asked; beta 0 overwrites c
// (stale values, even NaN, do not leak in). With OpenMP's thread count
// outside a parallel region and one thread inside.
// REQUIRES: c is op(a).rows() x op(b).cols() and aliases neither a nor b;
// beta is 0 or 1.
void MultiplyInto(const Eigen::Ref<const Matrix>& a, bool transpose_a,
                  const Eigen::Ref<const Matrix>& b, bool transpose_b, float beta,
                  Eigen::Ref<Matrix> c, GemmEngine engine = ChosenGemmEngine());

// *c = op(a) op(b), resized to fit: MultiplyInto with beta 0 into a whole
// matrix. REQUIRES: *c aliases neither a nor b.
void Multiply(const Eigen::Ref<const Matrix>& a, bool transpose_a,
              const Eigen::Ref<const Matrix>& b, bool transpose_b, Matrix* c);

// c = a * b^T, written in place (c may be a block of columns of a larger
// matrix). Split over column chunks of a and b when they are wide (see
// SumOverColumnChunks).
// REQUIRES: a.cols() == b.cols(); c is a.rows() x b.rows() and aliases
// neither a nor b.
void MultiplyByTransposeInto(const Matrix& a, const Matrix& b, Eigen::Ref<Matrix> c);

// *sums = m's row sums (m * 1), resized to m.rows(). For a matrix with few
// rows and many columns (a convolution's per-position gradient, a W-block's
// im2col features) Eigen's rowwise sum adds a handful of floats at a time
// and a GEMV with a ones vector needs that vector: this sums 16 columns at a
// time as one tall column, then folds them (171 -> 14 us for 6 x 50,176),
// split over column chunks like the products below when m is wide.
void RowSums(const Matrix& m, Vector* sums);

// For a sum over the `columns` of wide inputs into a rows x cols result:
// true if it is worth splitting over column chunks (many chunks, a result
// much smaller than the inputs). Depends on the shapes only.
bool WorthSplittingColumns(Eigen::Index columns, Eigen::Index input_rows, Eigen::Index rows,
                           Eigen::Index cols);

// The sum of `chunks` terms, in parallel: accumulate(c, &partial) adds term
// c into its own partial (rows x cols, zero at first), and the partials are
// added in chunk order, so the result does not depend on the thread count.
// Zero for no chunks. The sums below, and a convolution's sums over chunks of
// samples (conv2d.h), are built on it.
Matrix SumOfChunks(Eigen::Index chunks, Eigen::Index rows, Eigen::Index cols,
                   const std::function<void(Eigen::Index, Matrix*)>& accumulate);

// SumOfChunks over consecutive column chunks [first, first + count) of
// [0, columns): accumulate(first, count, &partial). Chunks hold about 128K
// floats of input_rows rows each.
Matrix SumOverColumnChunks(
    Eigen::Index columns, Eigen::Index input_rows, Eigen::Index rows, Eigen::Index cols,
    const std::function<void(Eigen::Index, Eigen::Index, Matrix*)>& accumulate);

}  // namespace fln

#endif  // FLN_CORE_GEMM_H_
