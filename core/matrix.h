// File: matrix.h
//
// The engine's dense types. fln computes in float32 (twice the GEMM rate of
// float64 here, ../shared/docs/perf-notes.md) and stores one sample per column,
// as in fln-math.md: a batch of m samples of width n is an n x m matrix.
#ifndef FLN_CORE_MATRIX_H_
#define FLN_CORE_MATRIX_H_

#include <Eigen/Dense>

namespace fln {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;  // column-major
using Vector = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using RowVector = Eigen::Matrix<float, 1, Eigen::Dynamic>;

}  // namespace fln

#endif  // FLN_CORE_MATRIX_H_
