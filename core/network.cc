#include "core/network.h"

#include <cmath>
#include <utility>

#include "core/validation.h"
#include "core/status_macros.h"

namespace fln {

absl::StatusOr<Network> Network::Create(const v1::ModelSpec& spec) {
  FLN_RETURN_IF_ERROR(ValidateModelSpec(spec));
  std::vector<int> widths;
  widths.push_back(spec.input_size());
  for (const v1::LayerSpec& layer : spec.layers()) widths.push_back(layer.dense().units());
  return Network(std::move(widths));
}

Network::Network(std::vector<int> widths) : widths_(std::move(widths)) {
  layers_.resize(widths_.size() - 1);
  for (size_t l = 0; l < layers_.size(); ++l) {
    layers_[l].weight = Matrix::Zero(widths_[l + 1], widths_[l]);
    layers_[l].bias = Vector::Zero(widths_[l + 1]);
  }
}

void Network::InitGlorotUniform(float bias, Rng* rng) {
  for (DenseLayer& layer : layers_) {
    const float limit =
        std::sqrt(6.0f / static_cast<float>(layer.weight.rows() + layer.weight.cols()));
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
  pre->noalias() = layers_[l].weight * in;
  pre->colwise() += layers_[l].bias;
}

void Network::Forward(const Matrix& input, std::vector<Matrix>* activations,
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
  for (const DenseLayer& layer : layers_) total += layer.weight.size() + layer.bias.size();
  return total;
}

}  // namespace fln
