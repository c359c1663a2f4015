#include "core/backprop_trainer.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/gemm.h"
#include "core/softmax.h"
#include "core/status_macros.h"
#include "core/tensor_proto.h"

namespace fln {
namespace {

// Parameter ranges the reduction and the optimiser step split among threads.
constexpr Eigen::Index kFloatsPerRange = 16384;

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
      second_moment_(ZerosLike(*net)) {
  for (int l = 0; l < net->num_layers(); ++l) {
    for (const bool bias : {false, true}) {
      const Eigen::Index size = bias ? net->layer(l).bias.size() : net->layer(l).weight.size();
      for (Eigen::Index begin = 0; begin < size; begin += kFloatsPerRange) {
        ranges_.push_back({l, bias, begin, std::min(size, begin + kFloatsPerRange)});
      }
    }
  }
}

Eigen::Map<Eigen::ArrayXf> BackpropTrainer::RangeOf(std::vector<Layer>& layers,
                                                    const ParameterRange& r) {
  Layer& layer = layers[r.layer];
  float* data = r.bias ? layer.bias.data() : layer.weight.data();
  return Eigen::Map<Eigen::ArrayXf>(data + r.begin, r.end - r.begin);
}

double BackpropTrainer::SliceGradients(const Matrix& inputs, const Matrix& one_hot, int first,
                                       int n, SliceState* slice) const {
  slice->gradients.resize(net_->num_layers());  // each is overwritten below
  Matrix logits;
  net_->Forward(inputs.middleCols(first, n), &slice->activations, &logits);
  const Matrix targets = one_hot.middleCols(first, n);
  const double loss_sum = CrossEntropyPerColumn(logits, targets).cast<double>().sum();

  Matrix delta;  // d (summed loss) / d pre-activation of the current layer
  SoftmaxColumns(logits, &delta);
  delta -= targets;
  for (int l = net_->num_layers() - 1; l >= 0; --l) {
    const Layer& layer = net_->layer(l);
    Layer& gradient = slice->gradients[l];
    // W is shared by every position of a convolution: sum over them.
    layer.ToPositions(&delta);
    layer.WeightGradient(slice->activations[l], delta, &gradient.weight);
    RowSums(delta, &gradient.bias);
    layer.ToSamples(n, &delta);
    if (l > 0) {
      Matrix upstream;
      layer.Transpose(delta, &upstream);
      ReluGradientInPlace(slice->activations[l], &upstream);
      delta.swap(upstream);
    }
  }
  return loss_sum;
}

double BackpropTrainer::BackwardSlices(const Matrix& inputs, const Matrix& one_hot, float* inv_m) {
  const int samples = static_cast<int>(inputs.cols());
  const int num_slices = (samples + kSamplesPerSlice - 1) / kSamplesPerSlice;
  slices_.resize(num_slices);
  std::vector<double> loss_sums(num_slices);
  // One slice per thread at a time, each single-threaded inside (BLAS and the
  // convolutions do not nest): no serial element-wise work and no barrier
  // between layers. With fewer slices than threads the slices run in turn and
  // parallelise inside instead.
#pragma omp parallel for schedule(static) if (num_slices >= omp_get_max_threads())
  for (int s = 0; s < num_slices; ++s) {
    const int first = s * kSamplesPerSlice;
    loss_sums[s] = SliceGradients(inputs, one_hot, first,
                                  std::min(kSamplesPerSlice, samples - first), &slices_[s]);
  }
  // The loss and the batch size are sums over every participant's shard.
  double totals[2] = {0, static_cast<double>(samples)};
  for (const double sum : loss_sums) totals[0] += sum;
  collective_->AllReduceSum(totals, 2);
  *inv_m = 1.0f / static_cast<float>(totals[1]);
  return totals[0] / totals[1];
}

void BackpropTrainer::SumSlices(const ParameterRange& r) {
  Eigen::Map<Eigen::ArrayXf> sum = RangeOf(gradients_, r);
  // A participant's shard of a short last batch can be empty.
  if (slices_.empty()) {
    sum.setZero();
    return;
  }
  sum = RangeOf(slices_[0].gradients, r);
  for (size_t s = 1; s < slices_.size(); ++s) sum += RangeOf(slices_[s].gradients, r);
}

void BackpropTrainer::Normalize(const ParameterRange& r, float inv_m) {
  Eigen::Map<Eigen::ArrayXf> gradient = RangeOf(gradients_, r);
  gradient *= inv_m;
  // Weight decay is not a sum over samples: add it once, after the reduction.
  const float decay = options_.weight_decay();
  if (decay > 0) gradient += decay * RangeOf(net_->mutable_layers(), r);
}

template <typename AfterRange>
double BackpropTrainer::ComputeGradientsThen(const Matrix& inputs, const Matrix& one_hot,
                                             AfterRange after) {
  float inv_m;
  const double loss = BackwardSlices(inputs, one_hot, &inv_m);
  const int num_ranges = static_cast<int>(ranges_.size());
  if (collective_->size() > 1) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < num_ranges; ++i) SumSlices(ranges_[i]);
    AllReduceGradients();
  }
  // Without a collective, one pass per range: it stays in cache from the sum
  // to the optimiser step.
#pragma omp parallel for schedule(static)
  for (int i = 0; i < num_ranges; ++i) {
    if (collective_->size() == 1) SumSlices(ranges_[i]);
    Normalize(ranges_[i], inv_m);
    after(ranges_[i]);
  }
  return loss;
}

double BackpropTrainer::ComputeGradients(const Matrix& inputs, const Matrix& one_hot) {
  return ComputeGradientsThen(inputs, one_hot, [](const ParameterRange&) {});
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
  ++steps_;
  const float lr = options_.learning_rate();
  std::vector<Layer>& weights = net_->mutable_layers();
  if (options_.optimizer() == v1::SGD_MOMENTUM) {
    const float mu = options_.momentum();
    stats->batch_loss = ComputeGradientsThen(inputs, one_hot, [&](const ParameterRange& r) {
      Eigen::Map<Eigen::ArrayXf> velocity = RangeOf(first_moment_, r);
      velocity = mu * velocity + RangeOf(gradients_, r);
      RangeOf(weights, r) -= lr * velocity;
    });
  } else {
    const float b1 = options_.beta1(), b2 = options_.beta2(), eps = options_.epsilon();
    const float correction1 = 1.0f - std::pow(b1, static_cast<float>(steps_));
    const float correction2 = 1.0f - std::pow(b2, static_cast<float>(steps_));
    const float step = lr * std::sqrt(correction2) / correction1;
    const float eps_hat = eps * std::sqrt(correction2);
    stats->batch_loss = ComputeGradientsThen(inputs, one_hot, [&](const ParameterRange& r) {
      Eigen::Map<Eigen::ArrayXf> m = RangeOf(first_moment_, r);
      Eigen::Map<Eigen::ArrayXf> v = RangeOf(second_moment_, r);
      const Eigen::Map<Eigen::ArrayXf> g = RangeOf(gradients_, r);
      m = b1 * m + (1.0f - b1) * g;
      v = b2 * v + (1.0f - b2) * g.square();
      RangeOf(weights, r) -= step * m / (v.sqrt() + eps_hat);
    });
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
