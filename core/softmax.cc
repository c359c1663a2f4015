#include "core/softmax.h"

#include <cmath>

namespace fln {
namespace {

// log-sum-exp of one column, shifted by its max for stability.
float LogSumExp(const Matrix& logits, Eigen::Index col) {
  const float max_value = logits.col(col).maxCoeff();
  return max_value + std::log((logits.col(col).array() - max_value).exp().sum());
}

}  // namespace

void SoftmaxColumns(const Matrix& logits, Matrix* probs) {
  probs->resize(logits.rows(), logits.cols());
#pragma omp parallel for schedule(static) if (logits.cols() > 256)
  for (Eigen::Index j = 0; j < logits.cols(); ++j) {
    const float max_value = logits.col(j).maxCoeff();
    probs->col(j) = (logits.col(j).array() - max_value).exp();
    probs->col(j) /= probs->col(j).sum();
  }
}

Vector CrossEntropyPerColumn(const Matrix& logits, const Matrix& one_hot) {
  Vector loss(logits.cols());
#pragma omp parallel for schedule(static) if (logits.cols() > 256)
  for (Eigen::Index j = 0; j < logits.cols(); ++j) {
    loss(j) = LogSumExp(logits, j) - logits.col(j).dot(one_hot.col(j));
  }
  return loss;
}

Vector CrossEntropyPerColumn(const Matrix& logits, const std::vector<int32_t>& labels) {
  Vector loss(logits.cols());
#pragma omp parallel for schedule(static) if (logits.cols() > 256)
  for (Eigen::Index j = 0; j < logits.cols(); ++j) {
    loss(j) = LogSumExp(logits, j) - logits(labels[j], j);
  }
  return loss;
}

std::vector<int32_t> ArgmaxColumns(const Matrix& logits) {
  std::vector<int32_t> classes(logits.cols());
  for (Eigen::Index j = 0; j < logits.cols(); ++j) {
    Eigen::Index best;
    logits.col(j).maxCoeff(&best);
    classes[j] = static_cast<int32_t>(best);
  }
  return classes;
}

}  // namespace fln
