#include "core/fln_trainer.h"

#include <chrono>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/fenchel.h"

namespace fln {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Layer indices of a sweep over [first, last] in the given order.
std::vector<int> SweepLayers(int first, int last, v1::SweepOrder order) {
  std::vector<int> layers;
  if (order == v1::BACKWARD) {
    for (int l = last; l >= first; --l) layers.push_back(l);
  } else {
    for (int l = first; l <= last; ++l) layers.push_back(l);
  }
  return layers;
}

// Sums F's sample terms (loss and gaps) of every participant's shard into
// *f and recomputes its total; proximal and ridge depend on the weights only,
// which every participant shares. Returns the global batch size.
double ReduceSampleTerms(Collective* collective, double local_samples, LiftedObjective* f) {
  if (collective->size() == 1) return local_samples;
  std::vector<double> sums;
  sums.push_back(local_samples);
  sums.push_back(f->loss_term);
  sums.insert(sums.end(), f->gaps.begin(), f->gaps.end());
  sums.insert(sums.end(), f->weighted_gaps.begin(), f->weighted_gaps.end());
  collective->AllReduceSum(sums.data(), sums.size());
  const size_t hidden = f->gaps.size();
  f->loss_term = sums[1];
  f->total = f->loss_term;
  for (size_t l = 0; l < hidden; ++l) {
    f->gaps[l] = sums[2 + l];
    f->weighted_gaps[l] = sums[2 + hidden + l];
    f->total += f->weighted_gaps[l];
  }
  f->total += f->proximal + f->ridge;
  return sums[0];
}

bool AllFinite(const Network& net) {
  for (const Layer& layer : net.layers()) {
    if (!layer.weight.allFinite() || !layer.bias.allFinite()) return false;
  }
  return true;
}

}  // namespace

BlockSolverSettings ToSolverSettings(const v1::SolverOptions& options) {
  BlockSolverSettings settings;
  settings.max_iterations = options.max_iterations();
  settings.tolerance = options.tolerance();
  settings.accelerate = options.solver() != v1::PROJECTED_GRADIENT;
  return settings;
}

FlnTrainer::FlnTrainer(Network* net, const v1::FlnOptions& options, Collective* collective)
    : net_(net),
      options_(options),
      hyper_(FlnHyperparameters::FromProto(options, net->num_hidden())),
      collective_(OrLocal(collective)) {}

void FlnTrainer::StartEpoch(int epoch) {
  hyper_ = FlnHyperparameters::FromProto(options_, net_->num_hidden(), epoch);
}

absl::Status FlnTrainer::TrainBatch(const Matrix& inputs, const Matrix& one_hot,
                                    BatchStats* stats) {
  const int hidden = net_->num_hidden();
  x_.resize(hidden + 1);
  pre_.resize(hidden + 1);

  // 1. Warm start on the feed-forward activations: all gaps are 0.
  x_[0] = inputs;
  for (int l = 0; l <= hidden; ++l) {
    net_->PreActivation(l, x_[l], &pre_[l]);
    if (l < hidden) x_[l + 1] = pre_[l].cwiseMax(0.0f);
  }

  // 2. Proximal centre.
  const Network anchor = *net_;
  stats->has_relaxed_objective = true;
  stats->weights = hyper_;
  stats->relaxed_start = EvaluateLiftedObjective(*net_, x_, pre_, one_hot, hyper_, anchor);
  const double samples = ReduceSampleTerms(collective_, static_cast<double>(inputs.cols()),
                                           &stats->relaxed_start);
  stats->batch_loss = stats->relaxed_start.loss_term / (hyper_.loss_weight() * samples);

  // 3. Alternating sweeps.
  for (int a = 0; a < options_.alternations(); ++a) {
    for (int l : SweepLayers(1, hidden, options_.x_order())) SolveXBlock(l, one_hot);
    if (options_.w_inputs() == v1::FEED_FORWARD) {
      FeedForwardWSweep(one_hot, anchor);
    } else {
      for (int l : SweepLayers(0, hidden, options_.w_order())) {
        SolveWBlock(l, x_[l], &pre_[l], /*pre_is_current=*/true, one_hot, anchor);
      }
    }
  }
  if (!AllFinite(*net_)) {
    return absl::InternalError(
        "FLN produced non-finite weights; lower the learning signal (c, lambda) or raise rho_d");
  }

  // pre_ is current after the W-sweep, so F costs no further products.
  stats->relaxed_end = EvaluateLiftedObjective(*net_, x_, pre_, one_hot, hyper_, anchor);
  ReduceSampleTerms(collective_, static_cast<double>(inputs.cols()), &stats->relaxed_end);
  return absl::OkStatus();
}

void FlnTrainer::SolveXBlock(int l, const Matrix& one_hot) {
  const int hidden = net_->num_hidden();
  const bool last = l == hidden;
  // Block (a) for hidden X_l, (b) for X_L; U = pre_[l - 1] is current. The
  // weights are F's, so the block is F restricted to X_l.
  const auto start = std::chrono::steady_clock::now();
  const float downstream_weight = last ? hyper_.loss_weight() : hyper_.constraint_weight(l);
  XBlock block(pre_[l - 1], hyper_.constraint_weight(l - 1), net_->layer(l),
               last ? one_hot : x_[l + 1], downstream_weight,
               last ? DataTerm::kSoftmaxCrossEntropy : DataTerm::kFenchelRelu);
  BlockEvent event;
  event.layer = l;
  event.samples = static_cast<int>(x_[0].cols());
  event.result = SolveBlock(block, ToSolverSettings(options_.x_solver()), &x_[l], &pre_[l],
                            /*p_is_current=*/true);
  event.seconds = SecondsSince(start);
  if (block_observer_) block_observer_(event);
}

void FlnTrainer::FeedForwardWSweep(const Matrix& one_hot, const Network& anchor) {
  const int hidden = net_->num_hidden();
  // W_0's input is the data either way, and pre_[0] is current for it.
  SolveWBlock(0, x_[0], &pre_[0], /*pre_is_current=*/true, one_hot, anchor);
  const Matrix* pre = &pre_[0];
  for (int l = 1; l <= hidden; ++l) {
    // The last solve left *pre = W_{l-1} input + b_{l-1} with the new W_{l-1}.
    ff_input_ = pre->cwiseMax(0.0f);
    SolveWBlock(l, ff_input_, &ff_pre_, /*pre_is_current=*/false, one_hot, anchor);
    pre = &ff_pre_;
  }
  // The X-blocks and F need pre_[l] = A_l(X_l) on the lifted X_l again.
  for (int l = 1; l <= hidden; ++l) net_->PreActivation(l, x_[l], &pre_[l]);
}

void FlnTrainer::SolveWBlock(int l, const Matrix& input, Matrix* pre, bool pre_is_current,
                             const Matrix& one_hot, const Network& anchor) {
  const int hidden = net_->num_hidden();
  const bool last = l == hidden;
  // Block (c) for hidden W_l, (d) for the softmax layer W_L.
  const WStep step =
      options_.w_solver().solver() == v1::GRAM_PRECONDITIONED ? WStep::kGram : WStep::kLipschitz;
  // A convolution's W-block is a dense one over its im2col windows, which it
  // never forms for the whole batch; its target and pre-activations are
  // viewed per window in place.
  const auto start = std::chrono::steady_clock::now();
  Layer& layer = net_->mutable_layer(l);
  const int samples = static_cast<int>(x_[0].cols());
  Matrix pooled_storage;
  const Matrix& pooled = layer.PooledInput(input, &pooled_storage);
  if (!last) layer.ToPositions(&x_[l + 1]);
  // Otherwise the solver computes *pre.
  if (pre_is_current) layer.ToPositions(pre);
  WBlock block(pooled, last ? one_hot : x_[l + 1],
               last ? DataTerm::kSoftmaxCrossEntropy : DataTerm::kFenchelRelu,
               last ? hyper_.loss_weight() : hyper_.constraint_weight(l), anchor.layer(l),
               hyper_.rho_d[l], hyper_.rho[l], step, collective_);
  Matrix z = PackAffine(layer);
  BlockEvent event;
  event.is_w_block = true;
  event.layer = l;
  event.samples = samples;
  event.result =
      SolveBlock(block, ToSolverSettings(options_.w_solver()), &z, pre, pre_is_current);
  UnpackAffine(z, &layer);
  layer.ToSamples(samples, pre);
  if (!last) layer.ToSamples(samples, &x_[l + 1]);
  event.seconds = SecondsSince(start);
  if (block_observer_) block_observer_(event);
}

}  // namespace fln
