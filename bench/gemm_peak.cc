// gemm_peak: the float32 GEMM rate of this machine on fln's GEMM engine
// (core/gemm.h), for the shapes the trainers use.
//
//   bazel run -c opt //bench:gemm_peak -- --threads=2
//   FLN_GEMM=openblas bazel run -c opt //bench:gemm_peak   # the other engine
#include <omp.h>

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "bench/gemm_probe.h"
#include "core/gemm.h"
#include "third_party/openblas_kernel.h"

ABSL_FLAG(int, threads, 2, "OpenMP threads");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  omp_set_num_threads(absl::GetFlag(FLAGS_threads));
  const int shapes[][3] = {{1024, 1024, 1024}, {2048, 2048, 2048}, {300, 784, 500},
                           {300, 500, 785},    {785, 500, 785},    {300, 785, 785}};
  std::printf("threads=%d, GEMM engine %s (OpenBLAS kernels %s)\n", absl::GetFlag(FLAGS_threads),
              fln::GemmEngineName().c_str(), fln::OpenBlasCoreName().c_str());
  for (const auto& s : shapes) {
    std::printf("%5d x %5d x %5d: %6.1f GFLOP/s\n", s[0], s[1], s[2],
                fln::MeasureGemmGflops(s[0], s[1], s[2], 5));
  }
  return 0;
}
