// File: flop_count.h
//
// Matrix-multiply FLOPs (2 m k n per product) done by the trainers, counted
// from the layers' shapes (a convolution counts as its im2col GEMM) and, for
// FLN, from each block solve's iteration count. Element-wise work, im2col
// copies and pooling are not counted, so the GFLOP/s derived from these are
// comparable with a GEMM probe.
#ifndef FLN_BENCH_FLOP_COUNT_H_
#define FLN_BENCH_FLOP_COUNT_H_

#include "core/fln_trainer.h"
#include "core/network.h"

namespace fln {

// FLOPs of one FLN block solve.
double FlnBlockFlops(const BlockEvent& event, const Network& net, bool gram_w_step);

// FLOPs of one feed-forward pass over `samples` samples.
double ForwardFlops(const Network& net, double samples);

// FLOPs of backprop over `samples` samples: forward, weight gradients and
// input gradients of every layer but the first.
double BackpropFlops(const Network& net, double samples);

}  // namespace fln

#endif  // FLN_BENCH_FLOP_COUNT_H_
