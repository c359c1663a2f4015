#include "bench/gemm_probe.h"

#include <algorithm>
#include <chrono>

#include "core/gemm.h"
#include "core/matrix.h"

namespace fln {

double MeasureGemmGflops(int m, int k, int n, int repeats) {
  const Matrix a = Matrix::Random(m, k), b = Matrix::Random(k, n);
  Matrix c;
  Multiply(a, false, b, false, &c);  // warm up caches and thread pools
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    Multiply(a, false, b, false, &c);
    best = std::min(best,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return 2.0 * m * k * n / best / 1e9;
}

}  // namespace fln
