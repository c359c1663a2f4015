// File: block_test_util.h
//
// Helpers the FLN block tests share (testonly).
#ifndef FLN_CORE_BLOCK_TEST_UTIL_H_
#define FLN_CORE_BLOCK_TEST_UTIL_H_

#include "core/block_solver.h"
#include "core/matrix.h"
#include "core/rng.h"
#include "proto/model.pb.h"

namespace fln {

// Entries uniform in [lo, hi) from `rng`.
Matrix RandomMatrix(Eigen::Index rows, Eigen::Index cols, float lo, float hi, Rng* rng);

// The block objective at z (sum over its groups), in double.
double BlockObjective(const BlockProblem& problem, const Matrix& z);

// The block gradient at z.
Matrix BlockGradient(const BlockProblem& problem, const Matrix& z);

// 6x6x1 image -> conv 2@3x3 valid (4x4x2) -> avgpool -> conv 3@2x2 SAME
// (2x2x3) -> [avgpool ->] dense 3: every kind of layer, pooling folded into
// a convolution and, with `pool_before_dense`, into a dense layer.
v1::ModelSpec SmallConvNet(bool pool_before_dense);

}  // namespace fln

#endif  // FLN_CORE_BLOCK_TEST_UTIL_H_
