#include "core/backprop_trainer.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/softmax.h"
#include "core/status_macros.h"
#include "core/tensor_proto.h"

namespace fln {
namespace {

std::vector<Layer> ZerosLike(const Network& net) {
  std::vector<Layer> zeros(net.num_layers());
  for (int l = 0; l < net.num_layers(); ++l) {
    zeros[l].weight = Matrix::Zero(net.layer(l).weight.rows(), net.layer(l).weight.cols());
    zeros[l].bias = Vector::Zero(net.layer(l).bias.size());
  }
  return zeros;
}

}  // namespace

BackpropTrainer::BackpropTrainer(Network* net, const v1::BackpropOptions& options,
                                 Collective* collective)
    : net_(net),
      options_(options),
      collective_(OrLocal(collective)),
      gradients_(ZerosLike(*net)),
      first_moment_(ZerosLike(*net)),
      second_moment_(ZerosLike(*net)) {}

double BackpropTrainer::ComputeGradients(const Matrix& inputs, const Matrix& one_hot) {
  Matrix logits;
  net_->Forward(inputs, &activations_, &logits);
  // The loss and the batch size are sums over every participant's shard.
  double totals[2] = {CrossEntropyPerColumn(logits, one_hot).cast<double>().sum(),
                      static_cast<double>(inputs.cols())};
  collective_->AllReduceSum(totals, 2);
  const double loss = totals[0] / totals[1];
  const float inv_m = 1.0f / static_cast<float>(totals[1]);

  Matrix delta;  // d loss / d pre-activation of the current layer
  SoftmaxColumns(logits, &delta);
  delta = (delta - one_hot) * inv_m;
  const int samples = static_cast<int>(inputs.cols());
  for (int l = net_->num_layers() - 1; l >= 0; --l) {
    const Layer& layer = net_->layer(l);
    // W is shared by every position of a convolution: sum over them.
    layer.ToPositions(&delta);
    layer.WeightGradient(activations_[l], delta, &gradients_[l].weight);
    gradients_[l].bias = delta.rowwise().sum();
    layer.ToSamples(samples, &delta);
    if (l > 0) {
      Matrix upstream;
      layer.Transpose(delta, &upstream);
      // ReLU derivative: pass where the activation is positive.
      delta = (activations_[l].array() > 0.0f).select(upstream, 0.0f);
    }
  }
  if (collective_->size() > 1) AllReduceGradients();
  // Weight decay is not a sum over samples: add it once, after the reduction.
  if (options_.weight_decay() > 0) {
    for (int l = 0; l < net_->num_layers(); ++l) {
      gradients_[l].weight += options_.weight_decay() * net_->layer(l).weight;
    }
  }
  return loss;
}

void BackpropTrainer::AllReduceGradients() {
  size_t total = 0;
  for (const Layer& g : gradients_) total += g.weight.size() + g.bias.size();
  reduce_buffer_.resize(total);
  float* out = reduce_buffer_.data();
  for (const Layer& g : gradients_) {
    out = std::copy(g.weight.data(), g.weight.data() + g.weight.size(), out);
    out = std::copy(g.bias.data(), g.bias.data() + g.bias.size(), out);
  }
  collective_->AllReduceSum(reduce_buffer_.data(), total);
  const float* in = reduce_buffer_.data();
  for (Layer& g : gradients_) {
    std::copy(in, in + g.weight.size(), g.weight.data());
    in += g.weight.size();
    std::copy(in, in + g.bias.size(), g.bias.data());
    in += g.bias.size();
  }
}

absl::Status BackpropTrainer::TrainBatch(const Matrix& inputs, const Matrix& one_hot,
                                         BatchStats* stats) {
  stats->batch_loss = ComputeGradients(inputs, one_hot);
  ++steps_;
  const float lr = options_.learning_rate();
  if (options_.optimizer() == v1::SGD_MOMENTUM) {
    const float mu = options_.momentum();
    for (int l = 0; l < net_->num_layers(); ++l) {
      Layer& v = first_moment_[l];
      v.weight = mu * v.weight + gradients_[l].weight;
      v.bias = mu * v.bias + gradients_[l].bias;
      net_->mutable_layer(l).weight -= lr * v.weight;
      net_->mutable_layer(l).bias -= lr * v.bias;
    }
  } else {
    const float b1 = options_.beta1(), b2 = options_.beta2(), eps = options_.epsilon();
    const float correction1 = 1.0f - std::pow(b1, static_cast<float>(steps_));
    const float correction2 = 1.0f - std::pow(b2, static_cast<float>(steps_));
    const float step = lr * std::sqrt(correction2) / correction1;
    const float eps_hat = eps * std::sqrt(correction2);
    for (int l = 0; l < net_->num_layers(); ++l) {
      Layer& m = first_moment_[l];
      Layer& v = second_moment_[l];
      const Layer& g = gradients_[l];
      m.weight = b1 * m.weight + (1.0f - b1) * g.weight;
      v.weight = b2 * v.weight + (1.0f - b2) * g.weight.cwiseAbs2();
      m.bias = b1 * m.bias + (1.0f - b1) * g.bias;
      v.bias = b2 * v.bias + (1.0f - b2) * g.bias.cwiseAbs2();
      net_->mutable_layer(l).weight.array() -=
          step * m.weight.array() / (v.weight.array().sqrt() + eps_hat);
      net_->mutable_layer(l).bias.array() -=
          step * m.bias.array() / (v.bias.array().sqrt() + eps_hat);
    }
  }
  if (!std::isfinite(stats->batch_loss)) {
    return absl::InternalError("backprop loss became non-finite; lower the learning rate");
  }
  return absl::OkStatus();
}

void BackpropTrainer::SaveState(v1::TrainingState* state) const {
  state->clear_first_moment();
  state->clear_second_moment();
  for (int l = 0; l < net_->num_layers(); ++l) {
    LayerToProto(first_moment_[l], state->add_first_moment());
    LayerToProto(second_moment_[l], state->add_second_moment());
  }
  state->set_optimizer_steps(steps_);
}

absl::Status BackpropTrainer::RestoreState(const v1::TrainingState& state) {
  if (state.first_moment_size() != net_->num_layers() ||
      state.second_moment_size() != net_->num_layers()) {
    return absl::DataLossError(absl::StrCat("optimizer state has ", state.first_moment_size(),
                                            " layers, the model ", net_->num_layers()));
  }
  for (int l = 0; l < net_->num_layers(); ++l) {
    const int rows = net_->layer(l).units();
    const int cols = static_cast<int>(net_->layer(l).weight.cols());
    FLN_RETURN_IF_ERROR(LayerFromProto(state.first_moment(l), rows, cols,
                                       absl::StrCat("first_moment[", l, "]"), &first_moment_[l]));
    FLN_RETURN_IF_ERROR(LayerFromProto(state.second_moment(l), rows, cols,
                                       absl::StrCat("second_moment[", l, "]"),
                                       &second_moment_[l]));
  }
  steps_ = state.optimizer_steps();
  return absl::OkStatus();
}

}  // namespace fln
