#include "bench/flop_count.h"

namespace fln {
namespace {

// GEMM FLOPs of layer l's map for one sample.
double LayerFlopsPerSample(const Layer& layer) {
  return 2.0 * layer.weight.rows() * layer.weight.cols() * layer.positions();
}

}  // namespace

double FlnBlockFlops(const BlockEvent& event, const Network& net, bool gram_w_step) {
  const double m = event.samples;
  const double iterations = event.result.iterations;
  const Layer& layer = net.layer(event.layer);
  if (!event.is_w_block) {
    // X_l feeds layer l: per iteration one map and one transposed map.
    return iterations * 2 * LayerFlopsPerSample(layer) * m;
  }
  const double windows = m * layer.positions();  // the W-block's "samples"
  const double in = layer.weight.cols() + 1.0;   // [F; 1]
  const double out = layer.weight.rows();
  double flops = in * in * windows;             // Gram by SYRK
  if (gram_w_step) flops += in * in * in / 3;   // Cholesky factor (POTRF)
  flops += iterations * 2 * (2.0 * out * in * windows);  // gradient and map
  if (gram_w_step) flops += iterations * 2.0 * out * in * in;  // grad H^{-1}: two TRSMs
  return flops;
}

double ForwardFlops(const Network& net, double samples) {
  double flops = 0;
  for (const Layer& layer : net.layers()) flops += LayerFlopsPerSample(layer) * samples;
  return flops;
}

double BackpropFlops(const Network& net, double samples) {
  const double forward = ForwardFlops(net, samples);
  return forward * 3 - LayerFlopsPerSample(net.layer(0)) * samples;
}

}  // namespace fln
