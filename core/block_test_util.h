// File: block_test_util.h
//
// Helpers the FLN block tests share (testonly).
#ifndef FLN_CORE_BLOCK_TEST_UTIL_H_
#define FLN_CORE_BLOCK_TEST_UTIL_H_

#include "core/block_solver.h"
#include "core/matrix.h"
#include "core/rng.h"

namespace fln {

// Entries uniform in [lo, hi) from `rng`.
Matrix RandomMatrix(Eigen::Index rows, Eigen::Index cols, float lo, float hi, Rng* rng);

// The block objective at z (sum over its groups), in double.
double BlockObjective(const BlockProblem& problem, const Matrix& z);

// The block gradient at z.
Matrix BlockGradient(const BlockProblem& problem, const Matrix& z);

}  // namespace fln

#endif  // FLN_CORE_BLOCK_TEST_UTIL_H_
