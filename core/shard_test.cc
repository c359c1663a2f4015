#include "core/shard.h"

#include <vector>

#include "core/batcher.h"
#include "core/rng.h"
#include "gtest/gtest.h"

namespace fln {
namespace {

TEST(ShardOfTest, ShardsCoverTheRangeInRankOrder) {
  for (int ranks = 1; ranks <= 7; ++ranks) {
    for (int64_t count : {0, 1, 6, 7, 500, 501}) {
      int64_t next = 0;
      for (int rank = 0; rank < ranks; ++rank) {
        const Shard shard = ShardOf(count, rank, ranks);
        EXPECT_EQ(shard.begin, next) << count << " over " << ranks;
        next += shard.count;
        // Balanced: sizes differ by at most one.
        EXPECT_LE(shard.count, (count + ranks - 1) / ranks);
        EXPECT_GE(shard.count, count / ranks);
      }
      EXPECT_EQ(next, count);
    }
  }
}

TEST(ShardOfTest, ConcatenatedShardsOfABatchAreTheBatch) {
  Dataset data;
  data.features = Matrix::Random(3, 23);
  for (int i = 0; i < 23; ++i) data.labels.push_back(i % 4);
  EpochBatcher batcher(23, 10);
  Rng rng(5);
  batcher.Shuffle(&rng);
  for (int b = 0; b < batcher.num_batches(); ++b) {
    Matrix whole;
    std::vector<int32_t> whole_labels;
    batcher.GatherBatch(data, b, &whole, &whole_labels);
    Matrix joined(3, 0);
    std::vector<int32_t> joined_labels;
    for (int rank = 0; rank < 3; ++rank) {
      Matrix part;
      std::vector<int32_t> part_labels;
      batcher.GatherBatch(data, b, ShardOf(batcher.BatchSize(b), rank, 3), &part, &part_labels);
      Matrix grown(3, joined.cols() + part.cols());
      grown << joined, part;
      joined = grown;
      joined_labels.insert(joined_labels.end(), part_labels.begin(), part_labels.end());
    }
    EXPECT_EQ(joined, whole);
    EXPECT_EQ(joined_labels, whole_labels);
  }
}

}  // namespace
}  // namespace fln
