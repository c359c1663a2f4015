// File: shard.h
//
// How a data-parallel run splits work over participants (docs/method.md,
// "Parallelism"): every minibatch, and every evaluated dataset, is cut into
// contiguous shards in rank order. Concatenating the shards gives the whole
// range in its order, so a sharded batch holds the columns of the one-process
// batch and only the order of sums over samples changes.
//
//   const Shard mine = ShardOf(batch_size, collective->rank(), collective->size());
//   // columns [mine.begin, mine.begin + mine.count) of the batch are this rank's
#ifndef FLN_CORE_SHARD_H_
#define FLN_CORE_SHARD_H_

#include <cassert>
#include <cstdint>

namespace fln {

struct Shard {
  int64_t begin = 0;
  int64_t count = 0;
};

// Participant `rank`'s share of `count` items when `ranks` share them: the
// first count % ranks participants hold one item more than the rest.
// REQUIRES: count >= 0, 0 <= rank < ranks.
inline Shard ShardOf(int64_t count, int rank, int ranks) {
  assert(count >= 0 && rank >= 0 && rank < ranks);
  const int64_t base = count / ranks;
  const int64_t extra = count % ranks;
  Shard shard;
  shard.begin = rank * base + (rank < extra ? rank : extra);
  shard.count = base + (rank < extra ? 1 : 0);
  return shard;
}

}  // namespace fln

#endif  // FLN_CORE_SHARD_H_
