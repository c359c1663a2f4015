// File: gemm_probe.h
//
// Measures the machine's float32 matrix-multiply rate with the same GEMM
// engine (MultiplyInto, core/gemm.h) and OpenMP thread count the trainers
// use, so benchmark reports can state what fraction of that limit a trainer
// reaches.
#ifndef FLN_BENCH_GEMM_PROBE_H_
#define FLN_BENCH_GEMM_PROBE_H_

namespace fln {

// Best-of-`repeats` GFLOP/s (2 m k n / t) of an (m x k) * (k x n) product.
double MeasureGemmGflops(int m, int k, int n, int repeats);

}  // namespace fln

#endif  // FLN_BENCH_GEMM_PROBE_H_
