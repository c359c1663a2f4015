// File: one_hot.h
//
// One-hot encoding of class labels into the engine's one-sample-per-column
// layout: column j of the result is e_{labels[j]}.
#ifndef FLN_CORE_ONE_HOT_H_
#define FLN_CORE_ONE_HOT_H_

#include <cstdint>
#include <vector>

#include "core/matrix.h"

namespace fln {

// Resizes `*out` to num_classes x labels.size() and sets column j to the
// one-hot vector of labels[j].
// REQUIRES: out != nullptr, num_classes > 0, every label in [0, num_classes).
// (Checked by assert; in builds without asserts an out-of-range label leaves
// its column all zero rather than writing out of bounds.)
void OneHot(const std::vector<int32_t>& labels, int num_classes, Matrix* out);

}  // namespace fln

#endif  // FLN_CORE_ONE_HOT_H_
