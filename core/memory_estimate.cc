#include "core/memory_estimate.h"

#include <algorithm>

#include "core/backprop_trainer.h"
#include "core/evaluation.h"

namespace fln {
namespace {

constexpr int64_t kFloat = sizeof(float);
// Copies of the weights: network, proximal anchor, two optimiser moments,
// gradient, checkpoint message.
constexpr int64_t kWeightCopies = 6;
// Per-layer buffers of one block solve: iterate, extrapolated point, step,
// gradient, and the maps of the first three.
constexpr int64_t kSolverCopies = 7;

// Columns the layer's W multiplies per sample (im2col windows for a conv).
int64_t Positions(const LayerPlan& layer) {
  return layer.conv ? static_cast<int64_t>(layer.geometry.out_height()) *
                          layer.geometry.out_width()
                    : 1;
}

// Floats of one layer's per-sample activations, im2col features, and input
// after its pooling.
int64_t ActivationFloats(const LayerPlan& layer) { return layer.output_size; }
int64_t FeatureFloats(const LayerPlan& layer) {
  return static_cast<int64_t>(layer.weight_cols) * Positions(layer);
}
int64_t PooledInputFloats(const LayerPlan& layer) {
  return layer.conv ? layer.geometry.input_size() : layer.weight_cols;
}

}  // namespace

TrainingMemoryEstimate EstimateTrainingMemory(const std::vector<LayerPlan>& plan,
                                              const v1::Schedule& schedule,
                                              int64_t train_samples, int64_t test_samples) {
  TrainingMemoryEstimate estimate;
  if (plan.empty()) return estimate;
  const int64_t inputs = plan.front().input_size;
  estimate.data_bytes = 2 * (train_samples + test_samples) * inputs * kFloat;

  int64_t activations = 0, largest_block = 0, largest_evaluation = 0;
  // A batch holds at most the whole training set.
  int64_t batch = std::max<int64_t>(1, schedule.batch_size());
  if (train_samples > 0) batch = std::min(batch, train_samples);
  for (const LayerPlan& layer : plan) {
    const int64_t weights = static_cast<int64_t>(layer.weight_rows) * (layer.weight_cols + 1);
    activations += ActivationFloats(layer);
    // A W-block: solver buffers over the batch, the pooled input (a
    // convolution's im2col windows are never formed for the batch), the Gram
    // matrix of [F; 1] and its Cholesky factor; the X-block before it is
    // smaller.
    const int64_t gram = static_cast<int64_t>(layer.weight_cols + 1) * (layer.weight_cols + 1);
    const int64_t block = kSolverCopies * (ActivationFloats(layer) * batch + weights) +
                          PooledInputFloats(layer) * batch + 3 * gram;
    largest_block = std::max(largest_block, block);
    largest_evaluation = std::max(largest_evaluation, FeatureFloats(layer) * kEvaluationChunk);
  }
  estimate.weight_bytes = kWeightCopies * ParameterCount(plan) * kFloat;
  // FLN keeps the lifted X and the pre-activations of every layer, and one
  // block solve at a time; backprop keeps forward and backward activations
  // and one gradient per slice of the batch (backprop_trainer.h).
  const int64_t slices =
      (batch + BackpropTrainer::kSamplesPerSlice - 1) / BackpropTrainer::kSamplesPerSlice;
  const int64_t per_batch =
      schedule.method() == v1::BACKPROP
          ? 3 * activations * batch + largest_block + slices * ParameterCount(plan)
          : 2 * activations * batch + largest_block;
  const int64_t evaluation = 2 * activations * kEvaluationChunk + largest_evaluation;
  estimate.activation_bytes = (per_batch + evaluation) * kFloat;
  return estimate;
}

}  // namespace fln
