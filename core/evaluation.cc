#include "core/evaluation.h"

#include <algorithm>
#include <utility>

#include "core/shard.h"
#include "core/softmax.h"

namespace fln {
namespace {

// Adds the loss sum, correct count and confusion counts of samples
// [begin, begin + count) to *loss_sum, *correct and eval->confusion.
void AccumulateRange(const Network& net, const Matrix& features,
                     const std::vector<int32_t>& labels, Eigen::Index begin, Eigen::Index count,
                     int chunk, double* loss_sum, int64_t* correct, Evaluation* eval) {
  const Eigen::Index end = begin + count;
  for (Eigen::Index start = begin; start < end; start += chunk) {
    const Eigen::Index size = std::min<Eigen::Index>(chunk, end - start);
    const Matrix logits = net.Logits(features.middleCols(start, size));
    const std::vector<int32_t> chunk_labels(labels.begin() + start,
                                            labels.begin() + start + size);
    *loss_sum += CrossEntropyPerColumn(logits, chunk_labels).cast<double>().sum();
    const std::vector<int32_t> predicted = ArgmaxColumns(logits);
    for (Eigen::Index j = 0; j < size; ++j) {
      *correct += predicted[j] == chunk_labels[j];
      ++eval->confusion[static_cast<size_t>(chunk_labels[j]) * eval->num_classes + predicted[j]];
    }
  }
}

Evaluation Finish(Evaluation eval, int64_t n, double loss_sum, int64_t correct) {
  eval.samples = n;
  if (n > 0) {
    eval.mean_loss = loss_sum / static_cast<double>(n);
    eval.accuracy = static_cast<double>(correct) / static_cast<double>(n);
  }
  return eval;
}

Evaluation Empty(const Network& net) {
  Evaluation eval;
  eval.num_classes = net.num_classes();
  eval.confusion.assign(static_cast<size_t>(eval.num_classes) * eval.num_classes, 0);
  return eval;
}

}  // namespace

Evaluation Evaluate(const Network& net, const Matrix& features,
                    const std::vector<int32_t>& labels, int chunk) {
  Evaluation eval = Empty(net);
  double loss_sum = 0;
  int64_t correct = 0;
  AccumulateRange(net, features, labels, 0, features.cols(), chunk, &loss_sum, &correct, &eval);
  return Finish(std::move(eval), features.cols(), loss_sum, correct);
}

Evaluation EvaluateSharded(const Network& net, const Matrix& features,
                           const std::vector<int32_t>& labels, Collective* collective,
                           int chunk) {
  if (collective == nullptr || collective->size() == 1) {
    return Evaluate(net, features, labels, chunk);
  }
  const Shard mine = ShardOf(features.cols(), collective->rank(), collective->size());
  Evaluation eval = Empty(net);
  double loss_sum = 0;
  int64_t correct = 0;
  AccumulateRange(net, features, labels, mine.begin, mine.count, chunk, &loss_sum, &correct,
                  &eval);
  // One reduction: counts are below 2^53, so exact in double.
  std::vector<double> sums;
  sums.reserve(2 + eval.confusion.size());
  sums.push_back(loss_sum);
  sums.push_back(static_cast<double>(correct));
  for (int64_t c : eval.confusion) sums.push_back(static_cast<double>(c));
  collective->AllReduceSum(sums.data(), sums.size());
  for (size_t i = 0; i < eval.confusion.size(); ++i) {
    eval.confusion[i] = static_cast<int64_t>(sums[2 + i]);
  }
  return Finish(std::move(eval), features.cols(), sums[0], static_cast<int64_t>(sums[1]));
}

}  // namespace fln
