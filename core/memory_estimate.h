// File: memory_estimate.h
//
// An estimate of a training job's peak memory, for admission control: a
// server refuses a job whose estimate exceeds its budget instead of letting
// the allocation fail mid-training (std::bad_alloc aborts the process).
//
// The estimate counts the large buffers the epoch loop (train.h) and the
// trainers hold at once, in float32, and errs high: the dataset (as stored
// and as scaled), the weights with their copies (anchor, optimiser moments,
// gradients, checkpoint), the per-batch activations (FLN: lifted X and
// pre-activations of every layer; backprop: forward and backward), the
// largest block's solver state (iterates, gradient, maps, im2col features,
// Gram matrix and its inverse) and the evaluation pass.
#ifndef FLN_CORE_MEMORY_ESTIMATE_H_
#define FLN_CORE_MEMORY_ESTIMATE_H_

#include <cstdint>
#include <vector>

#include "core/layer_plan.h"
#include "proto/model.pb.h"

namespace fln {

struct TrainingMemoryEstimate {
  int64_t data_bytes = 0;        // datasets, raw and scaled
  int64_t weight_bytes = 0;      // weights and their copies
  int64_t activation_bytes = 0;  // per-batch activations and block solver state
  int64_t total() const { return data_bytes + weight_bytes + activation_bytes; }
};

// REQUIRES: `plan` from PlanLayers; `schedule` validated (batch_size > 0).
// Sample counts are those the job trains and evaluates on; a batch is at
// most train_samples (when > 0).
TrainingMemoryEstimate EstimateTrainingMemory(const std::vector<LayerPlan>& plan,
                                              const v1::Schedule& schedule,
                                              int64_t train_samples, int64_t test_samples);

}  // namespace fln

#endif  // FLN_CORE_MEMORY_ESTIMATE_H_
