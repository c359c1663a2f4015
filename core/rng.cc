#include "core/rng.h"

#include <sstream>
#include <utility>

namespace fln {

uint64_t Rng::UniformInt(uint64_t n) {
  // Reject the top partial block so every residue is equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = engine_();
  } while (x >= limit);
  return x % n;
}

std::string Rng::SaveState() const {
  std::ostringstream out;
  out << engine_;
  return out.str();
}

absl::Status Rng::RestoreState(const std::string& state) {
  std::istringstream in(state);
  std::mt19937_64 restored;
  in >> restored;
  if (in.fail()) {
    return absl::InvalidArgumentError("rng state is not a saved mt19937_64 state");
  }
  engine_ = restored;
  return absl::OkStatus();
}

std::vector<int> RandomPermutation(int n, Rng* rng) {
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  for (int i = n - 1; i > 0; --i) {
    const int j = static_cast<int>(rng->UniformInt(static_cast<uint64_t>(i) + 1));
    std::swap(order[i], order[j]);
  }
  return order;
}

}  // namespace fln
