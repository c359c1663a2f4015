// File: flop_count.h
//
// Matrix-multiply FLOPs (2 m k n per product) done by the trainers, counted
// from the architecture and, for FLN, from each block solve's iteration
// count. Element-wise work is not counted, so the GFLOP/s derived from these
// are comparable with a GEMM probe.
#ifndef FLN_BENCH_FLOP_COUNT_H_
#define FLN_BENCH_FLOP_COUNT_H_

#include <vector>

#include "core/fln_trainer.h"

namespace fln {

// FLOPs of one FLN block solve. widths = Network::widths().
double FlnBlockFlops(const BlockEvent& event, const std::vector<int>& widths, bool gram_w_step);

// FLOPs of the FLN warm-start feed-forward over `samples` samples.
double ForwardFlops(const std::vector<int>& widths, double samples);

// FLOPs of backprop over `samples` samples: forward, weight gradients and
// input gradients of every layer but the first.
double BackpropFlops(const std::vector<int>& widths, double samples);

}  // namespace fln

#endif  // FLN_BENCH_FLOP_COUNT_H_
