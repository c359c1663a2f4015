// File: gemm.h
//
// Matrix products that write their result in one pass. Eigen evaluates
// `c.noalias() = a * b` by zeroing c and then accumulating into it through
// BLAS (beta = 1): one more pass over c than the product needs. For a result
// as large as an MLP's first weight gradient (300 x 784 from 64 samples)
// that pass was 3.5% of a backprop step.
#ifndef FLN_CORE_GEMM_H_
#define FLN_CORE_GEMM_H_

#include "core/matrix.h"

namespace fln {

// *c = a * b^T, resized to a.rows() x b.rows().
// REQUIRES: a.cols() == b.cols(); c aliases neither a nor b.
void MultiplyByTransposeInto(const Matrix& a, const Matrix& b, Matrix* c);

}  // namespace fln

#endif  // FLN_CORE_GEMM_H_
