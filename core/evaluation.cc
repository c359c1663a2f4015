#include "core/evaluation.h"

#include <algorithm>

#include "core/softmax.h"

namespace fln {

Evaluation Evaluate(const Network& net, const Matrix& features,
                    const std::vector<int32_t>& labels, int chunk) {
  Evaluation eval;
  eval.num_classes = net.num_classes();
  eval.confusion.assign(static_cast<size_t>(eval.num_classes) * eval.num_classes, 0);
  const Eigen::Index n = features.cols();
  double loss_sum = 0;
  int64_t correct = 0;
  for (Eigen::Index start = 0; start < n; start += chunk) {
    const Eigen::Index count = std::min<Eigen::Index>(chunk, n - start);
    const Matrix logits = net.Logits(features.middleCols(start, count));
    const std::vector<int32_t> chunk_labels(labels.begin() + start,
                                            labels.begin() + start + count);
    loss_sum += CrossEntropyPerColumn(logits, chunk_labels).cast<double>().sum();
    const std::vector<int32_t> predicted = ArgmaxColumns(logits);
    for (Eigen::Index j = 0; j < count; ++j) {
      correct += predicted[j] == chunk_labels[j];
      ++eval.confusion[static_cast<size_t>(chunk_labels[j]) * eval.num_classes + predicted[j]];
    }
  }
  eval.samples = n;
  if (n > 0) {
    eval.mean_loss = loss_sum / static_cast<double>(n);
    eval.accuracy = static_cast<double>(correct) / static_cast<double>(n);
  }
  return eval;
}

}  // namespace fln
