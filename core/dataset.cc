#include "core/dataset.h"

#include <algorithm>

namespace fln {

Dataset TakeFirst(const Dataset& data, int n) {
  if (n <= 0 || n >= data.num_samples()) return data;
  return SliceSamples(data, 0, n);
}

Dataset SliceSamples(const Dataset& data, int begin, int count) {
  Dataset out;
  out.features = data.features.middleCols(begin, count);
  // Tolerate a labels vector shorter than the feature matrix rather than
  // reading past its end; well-formed datasets have one label per column.
  const size_t end = std::min(data.labels.size(), static_cast<size_t>(begin + count));
  const size_t first = std::min(end, static_cast<size_t>(begin));
  out.labels.assign(data.labels.begin() + first, data.labels.begin() + end);
  out.num_classes = data.num_classes;
  out.height = data.height;
  out.width = data.width;
  out.channels = data.channels;
  return out;
}

}  // namespace fln
