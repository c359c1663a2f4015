#include "core/block_test_util.h"

namespace fln {

Matrix RandomMatrix(Eigen::Index rows, Eigen::Index cols, float lo, float hi, Rng* rng) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng->Uniform(lo, hi);
  return m;
}

double BlockObjective(const BlockProblem& problem, const Matrix& z) {
  Matrix p;
  Vector values;
  problem.Map(z, &p);
  problem.GroupObjectives(z, p, &values);
  return values.cast<double>().sum();
}

Matrix BlockGradient(const BlockProblem& problem, const Matrix& z) {
  Matrix p, grad;
  problem.Map(z, &p);
  problem.Gradient(z, p, &grad);
  return grad;
}

}  // namespace fln
