// File: rng.h
//
// The engine's only source of randomness: a seeded std::mt19937_64 whose
// state can be saved into a checkpoint and restored, so a resumed run draws
// exactly the numbers an uninterrupted run would. Distributions are computed
// here from raw 64-bit draws (not <random>'s distributions, whose algorithms
// are implementation-defined), so results are identical across standard
// libraries.
#ifndef FLN_CORE_RNG_H_
#define FLN_CORE_RNG_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace fln {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  uint64_t NextU64() { return engine_(); }
  // Uniform in [0, 1) with 24 random bits (exact in float).
  float UniformFloat() { return static_cast<float>(engine_() >> 40) * 0x1.0p-24f; }
  // Uniform in [lo, hi).
  float Uniform(float lo, float hi) { return lo + (hi - lo) * UniformFloat(); }
  // Uniform integer in [0, n), unbiased (rejection sampling). REQUIRES: n > 0.
  uint64_t UniformInt(uint64_t n);

  // Saves / restores the full engine state as text.
  std::string SaveState() const;
  // Returns INVALID_ARGUMENT if `state` is not a SaveState() result.
  absl::Status RestoreState(const std::string& state);

 private:
  std::mt19937_64 engine_;
};

// A uniformly random permutation of 0..n-1 (Fisher-Yates driven by `rng`).
std::vector<int> RandomPermutation(int n, Rng* rng);

}  // namespace fln

#endif  // FLN_CORE_RNG_H_
