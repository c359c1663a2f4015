// Drives a libFuzzer target (LLVMFuzzerTestOneInput) without libFuzzer, so
// it runs under gcc in `bazel test //...`: every file of the seed corpus
// (argv[1]), then mutations of them (bit flips, byte changes, insertions,
// deletions, truncations, splices with another seed, interesting integers)
// from a fixed seed, until --fuzz_seconds (default 5) or --fuzz_runs pass.
// A crash fails the test. Coverage-guided fuzzing is the _libfuzzer binary.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "absl/time/clock.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> ReadCorpus(const std::string& dir) {
  std::vector<std::string> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return seeds;
}

std::string Mutate(const std::vector<std::string>& seeds, std::mt19937_64* rng) {
  std::string s = seeds[(*rng)() % seeds.size()];
  const int edits = 1 + static_cast<int>((*rng)() % 8);
  for (int e = 0; e < edits; ++e) {
    const size_t at = s.empty() ? 0 : (*rng)() % s.size();
    switch ((*rng)() % 7) {
      case 0:
        if (!s.empty()) s[at] ^= static_cast<char>(1 << ((*rng)() % 8));
        break;
      case 1:
        if (!s.empty()) s[at] = static_cast<char>((*rng)());
        break;
      case 2:
        s.insert(at, 1 + (*rng)() % 16, static_cast<char>((*rng)()));
        break;
      case 3:
        if (!s.empty()) s.erase(at, 1 + (*rng)() % 16);
        break;
      case 4:
        s.resize(at);
        break;
      case 5: {
        const std::string& other = seeds[(*rng)() % seeds.size()];
        if (!other.empty()) s.insert(at, other.substr((*rng)() % other.size()));
        break;
      }
      default: {
        static const uint32_t kInteresting[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fffffff,
                                                0x80000000, 0xffffffff, 10000, 65536};
        const uint32_t v = kInteresting[(*rng)() % std::size(kInteresting)];
        if (s.size() >= at + 4) std::memcpy(&s[at], &v, 4);
        break;
      }
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [--fuzz_seconds=N] [--fuzz_runs=N]\n", argv[0]);
    return 2;
  }
  double seconds = 5;
  long runs = -1;
  for (int i = 2; i < argc; ++i) {
    if (std::strncmp(argv[i], "--fuzz_seconds=", 15) == 0) seconds = std::atof(argv[i] + 15);
    if (std::strncmp(argv[i], "--fuzz_runs=", 12) == 0) runs = std::atol(argv[i] + 12);
  }
  const std::vector<std::string> seeds = ReadCorpus(argv[1]);
  if (seeds.empty()) {
    std::fprintf(stderr, "no seeds in %s\n", argv[1]);
    return 1;
  }
  for (const std::string& seed : seeds) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(seed.data()), seed.size());
  }
  std::mt19937_64 rng(20261202);
  const absl::Time deadline = absl::Now() + absl::Seconds(seconds);
  long done = 0;
  while ((runs < 0 || done < runs) && absl::Now() < deadline) {
    const std::string input = Mutate(seeds, &rng);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
    ++done;
  }
  std::printf("%zu seeds and %ld mutated inputs ran without a crash\n", seeds.size(), done);
  return 0;
}
