// File: backprop_trainer.h
//
// The baseline users compare FLN with: minibatch backpropagation of the mean
// softmax cross-entropy, with Adam or SGD with momentum, on the same Network,
// init and data pipeline as FLN.
//
// Threads: the batch is cut into slices of 64 samples, and each thread takes
// whole slices forward and backward on its own (single-threaded BLAS inside),
// so there is no serial element-wise work and no barrier between layers. The
// slices' gradients are summed in slice order, so the result is the same for
// any thread count up to the number of slices; with more threads than slices
// the slices run in turn, each parallel inside.
//
// Data-parallel: with a Collective of P participants, each passes its shard
// of the batch; the loss and gradient sums are all-reduced and divided by the
// global batch size, so every participant takes the same step a single
// process would take on the whole batch (up to summation order).
#ifndef FLN_CORE_BACKPROP_TRAINER_H_
#define FLN_CORE_BACKPROP_TRAINER_H_

#include <vector>

#include "core/batch_trainer.h"
#include "core/collective.h"
#include "core/network.h"
#include "proto/model.pb.h"

namespace fln {

class BackpropTrainer final : public BatchTrainer {
 public:
  // Samples per slice of the batch that one thread takes forward and
  // backward on its own. Fixed, not derived from the thread count, so the
  // order in which slice gradients are summed does not depend on it. 64
  // columns keep one slice's GEMMs efficient on one core (94 GFLOP/s for
  // 300 x 784 x 64 against 98 at 128 columns, bench/README.md's machine).
  // Each slice holds its own copy of the gradient.
  static constexpr int kSamplesPerSlice = 64;

  // REQUIRES: `options` validated (validation.h, after WithDefaults); `net`
  // and `collective` outlive the trainer. A null collective means one process.
  BackpropTrainer(Network* net, const v1::BackpropOptions& options,
                  Collective* collective = nullptr);

  absl::Status TrainBatch(const Matrix& inputs, const Matrix& one_hot,
                          BatchStats* stats) override;

  void SaveState(v1::TrainingState* state) const override;
  absl::Status RestoreState(const v1::TrainingState& state) override;

  // Gradients of the mean cross-entropy (plus weight decay) of the last
  // batch, before the update; for tests.
  const std::vector<Layer>& last_gradients() const { return gradients_; }

  // Computes the gradients of the mean loss over the (global) batch at the
  // current weights without updating them. Returns the mean loss.
  double ComputeGradients(const Matrix& inputs, const Matrix& one_hot);

 private:
  // A contiguous range of one layer's weights or biases (flattened).
  struct ParameterRange {
    int layer;
    bool bias;
    Eigen::Index begin, end;
  };
  // The forward activations and the summed (not averaged) gradients of one
  // slice of the batch.
  struct SliceState {
    std::vector<Matrix> activations;
    std::vector<Layer> gradients;
  };

  static Eigen::Map<Eigen::ArrayXf> RangeOf(std::vector<Layer>& layers, const ParameterRange& r);
  // Forward and backward on columns [first, first + n); returns the summed loss.
  double SliceGradients(const Matrix& inputs, const Matrix& one_hot, int first, int n,
                        SliceState* slice) const;
  // Every slice of the batch; returns the mean loss over the global batch and
  // sets *inv_m to 1 / its size.
  double BackwardSlices(const Matrix& inputs, const Matrix& one_hot, float* inv_m);
  // gradients_ over r = the sum of the slices' gradients.
  void SumSlices(const ParameterRange& r);
  // gradients_ over r: times inv_m, plus weight decay.
  void Normalize(const ParameterRange& r, float inv_m);
  // ComputeGradients, then after(r) on every range of the finished gradient.
  template <typename AfterRange>
  double ComputeGradientsThen(const Matrix& inputs, const Matrix& one_hot, AfterRange after);
  // Sums gradients_ over the participants in one call.
  void AllReduceGradients();

  Network* const net_;
  const v1::BackpropOptions options_;
  Collective* const collective_;
  std::vector<Layer> gradients_;
  std::vector<Layer> first_moment_;   // Adam m, or SGD velocity
  std::vector<Layer> second_moment_;  // Adam v
  int64_t steps_ = 0;
  std::vector<ParameterRange> ranges_;  // every parameter, once, in fixed pieces
  std::vector<SliceState> slices_;      // one per slice of the current batch
  std::vector<float> reduce_buffer_;  // every layer's gradient, for one all-reduce
};

}  // namespace fln

#endif  // FLN_CORE_BACKPROP_TRAINER_H_
