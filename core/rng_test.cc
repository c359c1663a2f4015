#include "core/rng.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fln {
namespace {

TEST(RngTest, SameSeedGivesSameSequence) {
  Rng a(42), b(42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.NextU64(), b.NextU64());
}

TEST(RngTest, DifferentSeedsGiveDifferentSequences) {
  Rng a(1), b(2);
  EXPECT_NE(a.NextU64(), b.NextU64());
}

TEST(RngTest, SaveRestoreRoundTripContinuesIdentically) {
  Rng rng(2024);
  for (int i = 0; i < 1000; ++i) rng.NextU64();  // move away from the seed state
  const std::string state = rng.SaveState();
  std::vector<uint64_t> expected;
  for (int i = 0; i < 100; ++i) expected.push_back(rng.NextU64());

  Rng restored(7);
  ASSERT_TRUE(restored.RestoreState(state).ok());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(restored.NextU64(), expected[i]) << i;
  EXPECT_EQ(restored.SaveState(), rng.SaveState());
}

TEST(RngTest, RestoreStateRejectsGarbage) {
  Rng rng(1);
  const absl::Status status = rng.RestoreState("not an rng state");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
}

TEST(RngTest, RestoreStateRejectsEmptyString) {
  Rng rng(1);
  EXPECT_EQ(rng.RestoreState("").code(), absl::StatusCode::kInvalidArgument);
}

TEST(RngTest, RestoreStateRejectsTruncatedState) {
  Rng rng(1);
  const std::string state = rng.SaveState();
  EXPECT_EQ(rng.RestoreState(state.substr(0, state.size() / 2)).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RngTest, FailedRestoreLeavesStateUnchanged) {
  Rng rng(5), reference(5);
  ASSERT_FALSE(rng.RestoreState("garbage").ok());
  EXPECT_EQ(rng.NextU64(), reference.NextU64());
}

TEST(RngTest, UniformIntStaysInRangeAndHitsEveryValue) {
  Rng rng(3);
  for (uint64_t n : {1ull, 2ull, 3ull, 7ull, 10ull, 1000ull}) {
    std::vector<int> hits(std::min<uint64_t>(n, 1000), 0);
    for (int i = 0; i < 20000; ++i) {
      const uint64_t x = rng.UniformInt(n);
      ASSERT_LT(x, n);
      ++hits[x];
    }
    for (uint64_t v = 0; v < n; ++v) EXPECT_GT(hits[v], 0) << "n=" << n << " v=" << v;
  }
}

TEST(RngTest, UniformIntHandlesHugeRange) {
  Rng rng(4);
  const uint64_t n = (uint64_t{1} << 63) + 12345;
  for (int i = 0; i < 1000; ++i) EXPECT_LT(rng.UniformInt(n), n);
}

TEST(RngTest, UniformIntIsRoughlyUniform) {
  Rng rng(8);
  std::vector<int> counts(10, 0);
  const int draws = 100000;
  for (int i = 0; i < draws; ++i) ++counts[rng.UniformInt(10)];
  // Expected 10000 each; 5 sigma is about 475.
  for (int c : counts) EXPECT_NEAR(c, draws / 10, 500);
}

TEST(RngTest, UniformFloatIsInUnitInterval) {
  Rng rng(9);
  for (int i = 0; i < 10000; ++i) {
    const float u = rng.UniformFloat();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
  }
}

TEST(RandomPermutationTest, IsAPermutation) {
  Rng rng(10);
  for (int n : {0, 1, 2, 17, 1000}) {
    std::vector<int> perm = RandomPermutation(n, &rng);
    ASSERT_EQ(perm.size(), static_cast<size_t>(n));
    std::sort(perm.begin(), perm.end());
    std::vector<int> identity(n);
    std::iota(identity.begin(), identity.end(), 0);
    EXPECT_EQ(perm, identity) << "n=" << n;
  }
}

TEST(RandomPermutationTest, IsDeterministicForASeed) {
  Rng a(11), b(11);
  EXPECT_EQ(RandomPermutation(100, &a), RandomPermutation(100, &b));
}

TEST(RandomPermutationTest, ActuallyShuffles) {
  Rng rng(12);
  std::vector<int> identity(100);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_NE(RandomPermutation(100, &rng), identity);
}

}  // namespace
}  // namespace fln
