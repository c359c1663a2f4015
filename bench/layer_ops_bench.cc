// layer_ops_bench: the time of each per-layer operation of LeNet-5's
// backprop step on one slice of samples (core/backprop_trainer.h): the two
// convolutions' forward, weight gradient and transposed map, 2x2 pooling
// and its transpose, the ReLU gradient and the bias gradient. Random inputs;
// the minimum over repetitions, in microseconds.
//
//   bazel run -c opt //bench:layer_ops_bench -- --threads=1 --samples=64
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "core/allocator_settings.h"
#include "core/conv2d.h"
#include "core/gemm.h"
#include "core/network.h"

ABSL_FLAG(int, threads, 1, "OpenMP threads (1: as inside a backprop slice)");
ABSL_FLAG(int, samples, 64, "samples per call (64: one backprop slice)");
ABSL_FLAG(int, repetitions, 200, "calls timed per operation");

namespace fln {
namespace {

template <typename Op>
double MinMicroseconds(Op op) {
  op();  // warm up: allocations, caches
  double best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < absl::GetFlag(FLAGS_repetitions); ++r) {
    const auto start = std::chrono::steady_clock::now();
    op();
    best = std::min(
        best, std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                  .count());
  }
  return best;
}

void Report(const char* name, const Conv2dGeometry& g, int samples) {
  const Matrix weight = Matrix::Random(g.filters, g.patch_size());
  const Vector bias = Vector::Random(g.filters);
  const Matrix input = Matrix::Random(g.input_size(), samples);
  const Matrix out_grad = Matrix::Random(g.output_size(), samples);
  const Matrix activation = Matrix::Random(g.output_size(), samples).cwiseMax(0.0f);
  Matrix out, grad, back, pooled, unpooled, masked;
  Vector bias_grad;
  const Matrix per_position =
      Eigen::Map<const Matrix>(out_grad.data(), g.filters, out_grad.size() / g.filters);
  // Timed in this order (pool^T needs pool's output), not as printf arguments.
  const double forward = MinMicroseconds([&] { Conv2dForward(g, weight, bias, input, &out); });
  const double weight_gradient =
      MinMicroseconds([&] { Conv2dKernelGradient(g, input, out_grad, &grad); });
  const double transposed = MinMicroseconds([&] { Conv2dTranspose(g, weight, out_grad, &back); });
  const double pool = MinMicroseconds(
      [&] { AvgPool2x2(g.filters, g.out_height(), g.out_width(), out_grad, &pooled); });
  const double pool_transposed = MinMicroseconds(
      [&] { AvgPool2x2Transpose(g.filters, g.out_height(), g.out_width(), pooled, &unpooled); });
  const double relu_gradient = MinMicroseconds([&] {
    masked = out_grad;
    ReluGradientInPlace(activation, &masked);
  });
  const double bias_gradient = MinMicroseconds([&] { RowSums(per_position, &bias_grad); });
  std::printf(
      "%s (%d channels, %dx%d, kernel %d, %d filters), %d samples: forward %.0f us, weight "
      "gradient %.0f, transposed %.0f, pool %.0f, pool^T %.0f, ReLU gradient (with a copy) "
      "%.0f, bias gradient %.0f\n",
      name, g.channels, g.height, g.width, g.kernel, g.filters, samples, forward, weight_gradient,
      transposed, pool, pool_transposed, relu_gradient, bias_gradient);
}

}  // namespace
}  // namespace fln

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  fln::KeepLargeAllocationsInHeap();
  omp_set_num_threads(absl::GetFlag(FLAGS_threads));
  const int samples = absl::GetFlag(FLAGS_samples);
  std::printf("threads=%d\n", absl::GetFlag(FLAGS_threads));
  fln::Report("conv1", {1, 28, 28, 5, 1, fln::Padding::kSame, 6}, samples);
  fln::Report("conv2", {6, 14, 14, 5, 1, fln::Padding::kValid, 16}, samples);
  return 0;
}
