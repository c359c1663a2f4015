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

v1::ModelSpec SmallConvNet(bool pool_before_dense) {
  v1::ModelSpec spec;
  spec.set_input_size(36);
  spec.set_input_height(6);
  spec.set_input_width(6);
  spec.set_input_channels(1);
  v1::Conv2dLayer* c1 = spec.add_layers()->mutable_conv2d();
  c1->set_filters(2);
  c1->set_kernel_size(3);
  spec.add_layers()->mutable_avg_pool();
  v1::Conv2dLayer* c2 = spec.add_layers()->mutable_conv2d();
  c2->set_filters(3);
  c2->set_kernel_size(2);
  c2->set_padding(v1::SAME);
  if (pool_before_dense) spec.add_layers()->mutable_avg_pool();
  spec.add_layers()->mutable_dense()->set_units(3);
  return spec;
}

}  // namespace fln
