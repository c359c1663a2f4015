#include "core/dataset.h"

#include <algorithm>

namespace fln {

Dataset TakeFirst(const Dataset& data, int n) {
  if (n <= 0 || n >= data.num_samples()) return data;
  Dataset out;
  out.features = data.features.leftCols(n);
  // Tolerate a labels vector shorter than the feature matrix rather than
  // reading past its end; well-formed datasets have one label per column.
  const size_t num_labels = std::min(data.labels.size(), static_cast<size_t>(n));
  out.labels.assign(data.labels.begin(), data.labels.begin() + num_labels);
  out.num_classes = data.num_classes;
  out.height = data.height;
  out.width = data.width;
  out.channels = data.channels;
  return out;
}

}  // namespace fln
