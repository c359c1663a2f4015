// File: matrix.h
//
// The engine's dense types. fln computes in float32 (twice the GEMM rate of
// float64 here, ../shared/docs/perf-notes.md) and stores one sample per column,
// as in docs/method.md: a batch of m samples of width n is an n x m matrix.
#ifndef FLN_CORE_MATRIX_H_
#define FLN_CORE_MATRIX_H_

#include <Eigen/Dense>

namespace fln {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;  // column-major
using Vector = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using RowVector = Eigen::Matrix<float, 1, Eigen::Dynamic>;

// Gives *m the shape rows x cols over the same column-major storage, without
// copying. Eigen documents that a resize keeping the number of coefficients
// performs no allocation and leaves the values unchanged (matrix_test pins
// it). REQUIRES: rows * cols == m->size().
inline void ReshapeInPlace(Eigen::Index rows, Eigen::Index cols, Matrix* m) {
  eigen_assert(rows * cols == m->size());
  m->resize(rows, cols);
}

}  // namespace fln

#endif  // FLN_CORE_MATRIX_H_
