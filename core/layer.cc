#include "core/layer.h"

#include <cmath>

#include "core/block_solver.h"
#include "core/gemm.h"

namespace fln {
namespace {

// pool(in) if the layer pools its input, else `in` itself.
const Matrix& Pooled(const Layer& layer, const Matrix& in, Matrix* storage) {
  if (!layer.pool_input) return in;
  AvgPool2x2(layer.input_channels, layer.input_height, layer.input_width, in, storage);
  return *storage;
}

}  // namespace

const Matrix& Layer::PooledInput(const Matrix& in, Matrix* storage) const {
  return Pooled(*this, in, storage);
}

const Matrix& Layer::Features(const Matrix& in, Matrix* storage) const {
  if (!conv) return Pooled(*this, in, storage);
  Matrix pooled;
  Im2Col(geometry, Pooled(*this, in, &pooled), storage);
  return *storage;
}

void Layer::Forward(const Matrix& in, Matrix* pre) const {
  Matrix pooled;
  const Matrix& features = Pooled(*this, in, &pooled);
  if (conv) {
    Conv2dForward(geometry, weight, bias, features, pre);
    return;
  }
  Multiply(weight, false, features, false, pre);
  pre->colwise() += bias;
}

void Layer::Transpose(const Matrix& pre_grad, Matrix* in_grad) const {
  Matrix pooled_grad;
  if (conv) {
    Conv2dTranspose(geometry, weight, pre_grad, &pooled_grad);
  } else {
    Multiply(weight, true, pre_grad, false, &pooled_grad);
  }
  if (pool_input) {
    AvgPool2x2Transpose(input_channels, input_height, input_width, pooled_grad, in_grad);
  } else {
    *in_grad = std::move(pooled_grad);
  }
}

void Layer::WeightGradient(const Matrix& in, const Matrix& pre_grad, Matrix* grad) const {
  Matrix pooled;
  const Matrix& features = Pooled(*this, in, &pooled);
  if (conv) {
    Conv2dKernelGradient(geometry, features, pre_grad, grad);
  } else {
    grad->resize(pre_grad.rows(), features.rows());
    MultiplyByTransposeInto(pre_grad, features, *grad);
  }
}

void Layer::ToPositions(Matrix* per_sample) const {
  if (conv) ReshapeInPlace(units(), per_sample->size() / units(), per_sample);
}

void Layer::ToSamples(int samples, Matrix* per_position) const {
  if (conv) ReshapeInPlace(per_position->size() / samples, samples, per_position);
}

float SquaredOperatorNorm(const Layer& layer) {
  if (!layer.conv && !layer.pool_input) return SquaredSpectralNorm(layer.weight);
  // A^T A for one sample (A acts on every sample alike); no bias.
  Layer linear = layer;
  linear.bias.setZero();
  Matrix av;
  return LargestEigenvalue(layer.input_size, [&](const Matrix& v, Matrix* w) {
    linear.Forward(v, &av);
    linear.Transpose(av, w);
  });
}

}  // namespace fln
