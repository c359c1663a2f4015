#include "core/one_hot.h"

#include <cassert>

namespace fln {

void OneHot(const std::vector<int32_t>& labels, int num_classes, Matrix* out) {
  assert(out != nullptr);
  assert(num_classes > 0);
  const Eigen::Index m = static_cast<Eigen::Index>(labels.size());
  out->setZero(num_classes, m);
  for (Eigen::Index j = 0; j < m; ++j) {
    const int32_t label = labels[j];
    assert(label >= 0 && label < num_classes);
    if (label >= 0 && label < num_classes) (*out)(label, j) = 1.0f;
  }
}

}  // namespace fln
