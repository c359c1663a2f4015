// File: batcher.h
//
// Deterministic epoch ordering and mini-batching. An EpochBatcher holds one
// ordering of the sample indices 0..num_samples-1; Shuffle() draws a fresh
// ordering from an Rng, so the data order of a run is a function of the seed
// alone, and restoring the Rng's saved state (rng.h) in a resumed run
// reproduces the orders an uninterrupted run would have drawn.
//
//   EpochBatcher batcher(train.num_samples(), schedule.batch_size());
//   for (int epoch = 0; epoch < epochs; ++epoch) {
//     batcher.Shuffle(&rng);
//     for (int b = 0; b < batcher.num_batches(); ++b) {
//       batcher.GatherBatch(train, b, &x, &labels);
//       ...
//     }
//   }
#ifndef FLN_CORE_BATCHER_H_
#define FLN_CORE_BATCHER_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "core/dataset.h"
#include "core/matrix.h"
#include "core/rng.h"
#include "core/shard.h"

namespace fln {

class EpochBatcher {
 public:
  // Starts with the identity order 0, 1, ..., num_samples - 1.
  // REQUIRES: num_samples >= 0, batch_size > 0 (callers validate the
  // schedule first; checked by assert).
  EpochBatcher(int num_samples, int batch_size);

  // Replaces the order with RandomPermutation(num_samples, rng): consumes
  // num_samples - 1 draws from `rng`. REQUIRES: rng != nullptr.
  void Shuffle(Rng* rng);

  int num_samples() const { return num_samples_; }
  int batch_size() const { return batch_size_; }
  // ceil(num_samples / batch_size); every batch is full except possibly the
  // last, which holds the remainder.
  int num_batches() const;
  // The number of samples in batch `batch_index`.
  // REQUIRES: 0 <= batch_index < num_batches().
  int BatchSize(int batch_index) const;
  // The sample indices of batch `batch_index`, in order.
  // REQUIRES: 0 <= batch_index < num_batches().
  absl::Span<const int> BatchIndices(int batch_index) const;
  // The current order of all samples.
  const std::vector<int>& order() const { return order_; }

  // Copies batch `batch_index` of `data` into `*features` (resized to
  // num_features x BatchSize(batch_index); column k is sample
  // BatchIndices(batch_index)[k]) and `*labels` (resized to match).
  // Deterministic: the result does not depend on the thread count.
  // REQUIRES: 0 <= batch_index < num_batches(),
  // data.num_samples() == num_samples() == data.labels.size(),
  // features != nullptr, labels != nullptr.
  void GatherBatch(const Dataset& data, int batch_index, Matrix* features,
                   std::vector<int32_t>* labels) const;
  // Same for the samples [shard.begin, shard.begin + shard.count) of batch
  // `batch_index` only (a data-parallel rank's share, shard.h).
  // REQUIRES: as above, and the shard lies within BatchSize(batch_index).
  void GatherBatch(const Dataset& data, int batch_index, const Shard& shard, Matrix* features,
                   std::vector<int32_t>* labels) const;

 private:
  int num_samples_;
  int batch_size_;
  std::vector<int> order_;
};

}  // namespace fln

#endif  // FLN_CORE_BATCHER_H_
