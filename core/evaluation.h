// File: evaluation.h
//
// Feed-forward evaluation of a network on labelled data: mean cross-entropy,
// accuracy and the confusion matrix. Inputs must already be normalised the
// way the network was trained (normalization.h).
#ifndef FLN_CORE_EVALUATION_H_
#define FLN_CORE_EVALUATION_H_

#include <cstdint>
#include <vector>

#include "core/collective.h"
#include "core/matrix.h"
#include "core/network.h"

namespace fln {

// Samples Evaluate processes at a time by default.
inline constexpr int kEvaluationChunk = 256;

struct Evaluation {
  int64_t samples = 0;
  double mean_loss = 0;
  double accuracy = 0;
  int num_classes = 0;
  // confusion[true_class * num_classes + predicted_class] = count.
  std::vector<int64_t> confusion;
};

// REQUIRES: features.rows() == net.input_size(), labels.size() ==
// features.cols(), every label < net.num_classes(). Processes `chunk`
// samples at a time to bound memory (a convolution's im2col matrix holds
// kernel^2 * channels floats per output position of every sample).
Evaluation Evaluate(const Network& net, const Matrix& features,
                    const std::vector<int32_t>& labels, int chunk = kEvaluationChunk);

// Data-parallel Evaluate: each participant of `collective` evaluates its
// contiguous shard of the samples (ShardOf, shard.h) and the sums (loss,
// correct, confusion) are all-reduced, so every participant returns the
// Evaluation of all samples. Counts are exact; the loss differs from
// Evaluate's only in summation order. With one participant it is Evaluate.
// REQUIRES: as Evaluate, on every participant with the same features and
// labels; every participant calls it at the same point.
Evaluation EvaluateSharded(const Network& net, const Matrix& features,
                           const std::vector<int32_t>& labels, Collective* collective,
                           int chunk = kEvaluationChunk);

}  // namespace fln

#endif  // FLN_CORE_EVALUATION_H_
