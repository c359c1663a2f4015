#include "core/layer.h"

#include <cmath>

#include "core/block_solver.h"

namespace fln {
namespace {

// pool(in) if the layer pools its input, else `in` itself.
const Matrix& Pooled(const Layer& layer, const Matrix& in, Matrix* storage) {
  if (!layer.pool_input) return in;
  AvgPool2x2(layer.input_channels, layer.input_height, layer.input_width, in, storage);
  return *storage;
}

}  // namespace

void Layer::Features(const Matrix& in, Matrix* features) const {
  Matrix pooled;
  const Matrix& source = Pooled(*this, in, &pooled);
  if (conv) {
    Im2Col(geometry, source, features);
  } else {
    *features = source;
  }
}

void Layer::Forward(const Matrix& in, Matrix* pre) const {
  if (!conv) {
    Matrix pooled;
    pre->noalias() = weight * Pooled(*this, in, &pooled);
    pre->colwise() += bias;
    return;
  }
  Matrix patches;
  Features(in, &patches);
  Matrix per_position;
  per_position.noalias() = weight * patches;
  per_position.colwise() += bias;
  *pre = FromPositions(per_position, static_cast<int>(in.cols()));
}

void Layer::Transpose(const Matrix& pre_grad, Matrix* in_grad) const {
  Matrix pooled_grad;
  if (conv) {
    const Matrix patches_grad = weight.transpose() * ToPositions(pre_grad);
    Col2Im(geometry, patches_grad, static_cast<int>(pre_grad.cols()), &pooled_grad);
  } else {
    pooled_grad.noalias() = weight.transpose() * pre_grad;
  }
  if (pool_input) {
    AvgPool2x2Transpose(input_channels, input_height, input_width, pooled_grad, in_grad);
  } else {
    *in_grad = std::move(pooled_grad);
  }
}

Matrix Layer::ToPositions(const Matrix& per_sample) const {
  return conv ? UnfoldPositions(per_sample, units()) : per_sample;
}

Matrix Layer::FromPositions(const Matrix& per_position, int samples) const {
  return conv ? FoldPositions(per_position, samples) : per_position;
}

float SquaredOperatorNorm(const Layer& layer) {
  if (!layer.conv && !layer.pool_input) return SquaredSpectralNorm(layer.weight);
  // Power iteration on A^T A for one sample (A acts on samples alike).
  Matrix v = Matrix::Ones(layer.input_size, 1) / std::sqrt(static_cast<float>(layer.input_size));
  Matrix av, w;
  double eigenvalue = 0;
  Layer linear = layer;
  linear.bias.setZero();
  for (int it = 0; it < 100; ++it) {
    linear.Forward(v, &av);
    linear.Transpose(av, &w);
    const double norm = w.norm();
    if (norm == 0) return 0.0f;
    const double previous = eigenvalue;
    eigenvalue = norm;
    v = w / static_cast<float>(norm);
    if (std::abs(eigenvalue - previous) <= 1e-4 * eigenvalue) break;
  }
  return static_cast<float>(eigenvalue * 1.02);
}

}  // namespace fln
