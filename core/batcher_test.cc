#include "core/batcher.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "core/one_hot.h"
#include "core/rng.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fln {
namespace {

// num_features x n; feature f of sample j is 1000 * j + f, label j % 7.
Dataset MakeData(int num_features, int n) {
  Dataset data;
  data.features.resize(num_features, n);
  data.labels.resize(n);
  for (int j = 0; j < n; ++j) {
    for (int f = 0; f < num_features; ++f) data.features(f, j) = 1000.0f * j + f;
    data.labels[j] = j % 7;
  }
  data.num_classes = 7;
  return data;
}

// Every index of every batch, in order.
std::vector<int> EpochOrder(const EpochBatcher& batcher) {
  std::vector<int> all;
  for (int b = 0; b < batcher.num_batches(); ++b) {
    for (int i : batcher.BatchIndices(b)) all.push_back(i);
  }
  return all;
}

TEST(EpochBatcherTest, NumBatchesRoundsUpWithSmallerLastBatch) {
  EpochBatcher batcher(10, 4);
  EXPECT_EQ(batcher.num_batches(), 3);
  EXPECT_EQ(batcher.BatchSize(0), 4);
  EXPECT_EQ(batcher.BatchSize(1), 4);
  EXPECT_EQ(batcher.BatchSize(2), 2);
}

TEST(EpochBatcherTest, ExactMultipleHasOnlyFullBatches) {
  EpochBatcher batcher(12, 4);
  EXPECT_EQ(batcher.num_batches(), 3);
  EXPECT_EQ(batcher.BatchSize(2), 4);
}

TEST(EpochBatcherTest, BatchLargerThanDataIsOneBatch) {
  EpochBatcher batcher(5, 100);
  EXPECT_EQ(batcher.num_batches(), 1);
  EXPECT_EQ(batcher.BatchSize(0), 5);
}

TEST(EpochBatcherTest, EmptyDataHasNoBatches) {
  EXPECT_EQ(EpochBatcher(0, 8).num_batches(), 0);
}

TEST(EpochBatcherTest, StartsInIdentityOrder) {
  EpochBatcher batcher(6, 4);
  EXPECT_EQ(EpochOrder(batcher), (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

TEST(EpochBatcherTest, EverySampleAppearsExactlyOncePerEpoch) {
  EpochBatcher batcher(1003, 64);
  Rng rng(7);
  for (int epoch = 0; epoch < 3; ++epoch) {
    batcher.Shuffle(&rng);
    std::vector<int> all = EpochOrder(batcher);
    ASSERT_EQ(all.size(), 1003u);
    std::sort(all.begin(), all.end());
    std::vector<int> expected(1003);
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(all, expected) << "epoch " << epoch;
  }
}

TEST(EpochBatcherTest, SameSeedGivesSameOrder) {
  EpochBatcher a(500, 32), b(500, 32);
  Rng rng_a(12345), rng_b(12345);
  for (int epoch = 0; epoch < 3; ++epoch) {
    a.Shuffle(&rng_a);
    b.Shuffle(&rng_b);
    EXPECT_EQ(a.order(), b.order()) << "epoch " << epoch;
  }
}

TEST(EpochBatcherTest, DifferentSeedsGiveDifferentOrders) {
  EpochBatcher a(500, 32), b(500, 32);
  Rng rng_a(1), rng_b(2);
  a.Shuffle(&rng_a);
  b.Shuffle(&rng_b);
  EXPECT_NE(a.order(), b.order());
}

TEST(EpochBatcherTest, SuccessiveEpochsDiffer) {
  EpochBatcher batcher(500, 32);
  Rng rng(3);
  batcher.Shuffle(&rng);
  const std::vector<int> first = batcher.order();
  batcher.Shuffle(&rng);
  EXPECT_NE(batcher.order(), first);
}

TEST(EpochBatcherTest, RestoredRngContinuesTheSameOrders) {
  EpochBatcher original(300, 16);
  Rng rng(99);
  original.Shuffle(&rng);
  const std::string saved = rng.SaveState();  // as a checkpoint after epoch 1
  std::vector<std::vector<int>> expected;
  for (int epoch = 0; epoch < 3; ++epoch) {
    original.Shuffle(&rng);
    expected.push_back(original.order());
  }

  EpochBatcher resumed(300, 16);
  Rng restored(0);
  ASSERT_TRUE(restored.RestoreState(saved).ok());
  for (int epoch = 0; epoch < 3; ++epoch) {
    resumed.Shuffle(&restored);
    EXPECT_EQ(resumed.order(), expected[epoch]) << "epoch " << epoch;
  }
}

TEST(EpochBatcherTest, GatherBatchCopiesColumnsInPermutationOrder) {
  const Dataset data = MakeData(3, 10);
  EpochBatcher batcher(10, 4);
  Rng rng(5);
  batcher.Shuffle(&rng);
  Matrix x;
  std::vector<int32_t> labels;
  for (int b = 0; b < batcher.num_batches(); ++b) {
    batcher.GatherBatch(data, b, &x, &labels);
    const auto indices = batcher.BatchIndices(b);
    ASSERT_EQ(x.rows(), 3);
    ASSERT_EQ(x.cols(), static_cast<Eigen::Index>(indices.size()));
    ASSERT_EQ(labels.size(), indices.size());
    for (size_t k = 0; k < indices.size(); ++k) {
      EXPECT_EQ(x.col(k), data.features.col(indices[k]));
      EXPECT_EQ(labels[k], data.labels[indices[k]]);
    }
  }
}

TEST(EpochBatcherTest, GatherLastBatchIsSmaller) {
  const Dataset data = MakeData(2, 10);
  EpochBatcher batcher(10, 4);
  Matrix x;
  std::vector<int32_t> labels;
  batcher.GatherBatch(data, 2, &x, &labels);
  EXPECT_EQ(x.cols(), 2);
  EXPECT_EQ(labels, (std::vector<int32_t>{8 % 7, 9 % 7}));
  EXPECT_EQ(x(1, 1), 9001.0f);
}

TEST(EpochBatcherTest, LargeParallelGatherMatchesSerialCopy) {
  // Big enough to take the OpenMP path.
  const Dataset data = MakeData(300, 2000);
  EpochBatcher batcher(2000, 1500);
  Rng rng(11);
  batcher.Shuffle(&rng);
  Matrix x;
  std::vector<int32_t> labels;
  batcher.GatherBatch(data, 0, &x, &labels);
  const auto indices = batcher.BatchIndices(0);
  Matrix expected(300, 1500);
  for (int k = 0; k < 1500; ++k) expected.col(k) = data.features.col(indices[k]);
  EXPECT_EQ(x, expected);
}

TEST(OneHotTest, SetsOneEntryPerColumn) {
  Matrix out;
  OneHot({2, 0, 1, 2}, 3, &out);
  Matrix expected(3, 4);
  expected << 0, 1, 0, 0,  //
      0, 0, 1, 0,          //
      1, 0, 0, 1;
  EXPECT_EQ(out, expected);
}

TEST(OneHotTest, OverwritesPreviousContents) {
  Matrix out = Matrix::Constant(5, 5, 7.0f);
  OneHot({1}, 2, &out);
  ASSERT_EQ(out.rows(), 2);
  ASSERT_EQ(out.cols(), 1);
  EXPECT_EQ(out(0, 0), 0.0f);
  EXPECT_EQ(out(1, 0), 1.0f);
}

TEST(OneHotTest, EmptyLabelsGiveZeroColumns) {
  Matrix out;
  OneHot({}, 4, &out);
  EXPECT_EQ(out.rows(), 4);
  EXPECT_EQ(out.cols(), 0);
}

}  // namespace
}  // namespace fln
