// File: softmax.h
//
// Column-wise softmax and cross-entropy for logits with one sample per column.
// Numerically stable (max-shifted log-sum-exp).
#ifndef FLN_CORE_SOFTMAX_H_
#define FLN_CORE_SOFTMAX_H_

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/matrix.h"

namespace fln {

// probs(:, j) = softmax(logits(:, j)). `probs` may alias nothing; resized.
void SoftmaxColumns(const Matrix& logits, Matrix* probs);

// Per-sample cross-entropy -log softmax(logits(:, j))[y_j] against one-hot
// targets (classes x m). Returns a length-m vector.
Vector CrossEntropyPerColumn(const Matrix& logits, const Matrix& one_hot);

// Same against integer labels. REQUIRES: labels.size() == logits.cols().
Vector CrossEntropyPerColumn(const Matrix& logits, const std::vector<int32_t>& labels);

// Cross-entropy of one column of logits against a one-hot column.
template <typename Logits, typename OneHot>
float CrossEntropyColumn(const Eigen::MatrixBase<Logits>& logits,
                         const Eigen::MatrixBase<OneHot>& one_hot) {
  const float max_value = logits.maxCoeff();
  return max_value + std::log((logits.array() - max_value).exp().sum()) - logits.dot(one_hot);
}

// Index of the largest logit in each column (ties -> lowest index).
std::vector<int32_t> ArgmaxColumns(const Matrix& logits);

}  // namespace fln

#endif  // FLN_CORE_SOFTMAX_H_
