// File: dataset.h
//
// An in-memory labelled dataset for classification. Features are stored one
// sample per column (num_features x num_samples), as raw values: loaders do
// not scale (see normalization.h).
#ifndef FLN_CORE_DATASET_H_
#define FLN_CORE_DATASET_H_

#include <cstdint>
#include <vector>

#include "core/matrix.h"

namespace fln {

struct Dataset {
  Matrix features;              // num_features x num_samples
  std::vector<int32_t> labels;  // num_samples labels, each in [0, num_classes)
  int num_classes = 0;
  // Image shape when the source has one (IDX), else 0; height*width*channels
  // == num_features when set.
  int height = 0;
  int width = 0;
  int channels = 0;

  int num_samples() const { return static_cast<int>(features.cols()); }
  int num_features() const { return static_cast<int>(features.rows()); }
};

// The first `n` samples of `data` (all of it if n <= 0 or n >= size).
Dataset TakeFirst(const Dataset& data, int n);

// Samples [begin, begin + count) of `data`. REQUIRES: 0 <= begin,
// 0 <= count, begin + count <= data.num_samples().
Dataset SliceSamples(const Dataset& data, int begin, int count);

}  // namespace fln

#endif  // FLN_CORE_DATASET_H_
