#include "core/batcher.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace fln {
namespace {

// Below this many floats a batch is copied on one thread: spawning the
// OpenMP team costs more than the copy.
constexpr int64_t kParallelGatherFloats = int64_t{1} << 16;

}  // namespace

EpochBatcher::EpochBatcher(int num_samples, int batch_size)
    : num_samples_(num_samples), batch_size_(batch_size), order_(num_samples) {
  assert(num_samples >= 0);
  assert(batch_size > 0);
  for (int i = 0; i < num_samples; ++i) order_[i] = i;
}

void EpochBatcher::Shuffle(Rng* rng) {
  assert(rng != nullptr);
  order_ = RandomPermutation(num_samples_, rng);
}

int EpochBatcher::num_batches() const {
  // In 64 bits: num_samples_ + batch_size_ - 1 may overflow int.
  return static_cast<int>((int64_t{num_samples_} + batch_size_ - 1) / batch_size_);
}

int EpochBatcher::BatchSize(int batch_index) const {
  assert(batch_index >= 0 && batch_index < num_batches());
  const int64_t begin = int64_t{batch_index} * batch_size_;
  return static_cast<int>(std::min<int64_t>(batch_size_, num_samples_ - begin));
}

absl::Span<const int> EpochBatcher::BatchIndices(int batch_index) const {
  const int64_t begin = int64_t{batch_index} * batch_size_;
  return absl::Span<const int>(order_.data() + begin, BatchSize(batch_index));
}

void EpochBatcher::GatherBatch(const Dataset& data, int batch_index, Matrix* features,
                               std::vector<int32_t>* labels) const {
  Shard whole;
  whole.count = BatchSize(batch_index);
  GatherBatch(data, batch_index, whole, features, labels);
}

void EpochBatcher::GatherBatch(const Dataset& data, int batch_index, const Shard& shard,
                               Matrix* features, std::vector<int32_t>* labels) const {
  assert(features != nullptr && labels != nullptr);
  assert(data.num_samples() == num_samples_);
  assert(data.labels.size() == static_cast<size_t>(num_samples_));
  assert(shard.begin >= 0 && shard.begin + shard.count <= BatchSize(batch_index));
  const absl::Span<const int> indices =
      BatchIndices(batch_index).subspan(shard.begin, shard.count);
  const int m = static_cast<int>(indices.size());
  const Eigen::Index rows = data.features.rows();
  features->resize(rows, m);
  labels->resize(m);
  for (int k = 0; k < m; ++k) (*labels)[k] = data.labels[indices[k]];

  if (rows == 0) return;  // nothing to copy (and data() may be null)

  // Each column is an independent copy, so the result is the same for any
  // thread count or schedule.
  const float* source = data.features.data();
  float* target = features->data();
  const size_t column_bytes = static_cast<size_t>(rows) * sizeof(float);
#pragma omp parallel for schedule(static) if (int64_t{m} * rows >= kParallelGatherFloats)
  for (int k = 0; k < m; ++k) {
    std::memcpy(target + int64_t{k} * rows, source + int64_t{indices[k]} * rows,
                column_bytes);
  }
}

}  // namespace fln
