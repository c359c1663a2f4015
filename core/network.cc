#include "core/network.h"

#include <cassert>
#include <cmath>
#include <utility>

#include "core/layer_plan.h"
#include "core/status_macros.h"
#include "core/validation.h"

namespace fln {

absl::StatusOr<Network> Network::Create(const v1::ModelSpec& spec) {
  FLN_RETURN_IF_ERROR(ValidateModelSpec(spec));
  FLN_ASSIGN_OR_RETURN(const std::vector<LayerPlan> plans, PlanLayers(spec));
  std::vector<Layer> layers;
  for (const LayerPlan& plan : plans) {
    Layer layer;
    layer.conv = plan.conv;
    layer.geometry = plan.geometry;
    layer.pool_input = plan.pool_input;
    layer.input_channels = plan.input_channels;
    layer.input_height = plan.input_height;
    layer.input_width = plan.input_width;
    layer.input_size = plan.input_size;
    layer.output_size = plan.output_size;
    layer.weight = Matrix::Zero(plan.weight_rows, plan.weight_cols);
    layer.bias = Vector::Zero(plan.weight_rows);
    layers.push_back(std::move(layer));
  }
  return Network(std::move(layers));
}

Network::Network(std::vector<Layer> layers) : layers_(std::move(layers)) {
  widths_.push_back(layers_.front().input_size);
  for (const Layer& layer : layers_) widths_.push_back(layer.output_size);
}

void Network::InitGlorotUniform(float bias, Rng* rng) {
  for (Layer& layer : layers_) {
    const float limit = std::sqrt(6.0f / static_cast<float>(layer.fan_in() + layer.fan_out()));
    // Row-major draw order, so the values do not depend on storage order.
    for (Eigen::Index r = 0; r < layer.weight.rows(); ++r) {
      for (Eigen::Index c = 0; c < layer.weight.cols(); ++c) {
        layer.weight(r, c) = rng->Uniform(-limit, limit);
      }
    }
    layer.bias.setConstant(bias);
  }
}

void Network::PreActivation(int l, const Matrix& in, Matrix* pre) const {
  layers_[l].Forward(in, pre);
}

void Network::Forward(const Eigen::Ref<const Matrix>& input, std::vector<Matrix>* activations,
                      Matrix* logits) const {
  activations->resize(num_layers());
  (*activations)[0] = input;
  for (int l = 0; l < num_hidden(); ++l) {
    PreActivation(l, (*activations)[l], &(*activations)[l + 1]);
    ReluInPlace(&(*activations)[l + 1]);
  }
  PreActivation(num_hidden(), (*activations)[num_hidden()], logits);
}

Matrix Network::Logits(const Matrix& input) const {
  Matrix current = input;
  Matrix next;
  for (int l = 0; l < num_hidden(); ++l) {
    PreActivation(l, current, &next);
    ReluInPlace(&next);
    std::swap(current, next);
  }
  Matrix logits;
  PreActivation(num_hidden(), current, &logits);
  return logits;
}

int64_t Network::num_parameters() const {
  int64_t total = 0;
  for (const Layer& layer : layers_) total += layer.weight.size() + layer.bias.size();
  return total;
}

void ReluGradientInPlace(const Matrix& activation, Matrix* grad) {
  assert(activation.size() == grad->size());
  const float* active = activation.data();
  float* g = grad->data();
  const Eigen::Index size = grad->size();
#pragma omp simd
  for (Eigen::Index i = 0; i < size; ++i) g[i] = active[i] > 0.0f ? g[i] : 0.0f;
}

}  // namespace fln
