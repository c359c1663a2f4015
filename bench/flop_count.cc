#include "bench/flop_count.h"

namespace fln {

double FlnBlockFlops(const BlockEvent& event, const std::vector<int>& widths, bool gram_w_step) {
  const double m = event.samples;
  const double iterations = event.result.iterations;
  if (!event.is_w_block) {
    // X_l feeds layer l: W_l is widths[l+1] x widths[l]. Initial map, then
    // per iteration one map (W z) and one gradient product (W^T r).
    const double product = 2.0 * widths[event.layer + 1] * widths[event.layer] * m;
    return product * (1 + 2 * iterations);
  }
  const double in = widths[event.layer] + 1.0;  // [X; 1]
  const double out = widths[event.layer + 1];
  const double product = 2.0 * out * in * m;
  double flops = product + 2.0 * in * in * m;  // initial map + Gram [X;1][X;1]^T
  if (gram_w_step) flops += in * in * in;      // Cholesky and inverse of the metric
  flops += iterations * 2 * product;           // gradient and map per iteration
  if (gram_w_step) flops += iterations * 2.0 * out * in * in;  // grad * H^{-1}
  return flops;
}

double ForwardFlops(const std::vector<int>& widths, double samples) {
  double flops = 0;
  for (size_t l = 0; l + 1 < widths.size(); ++l) flops += 2.0 * widths[l] * widths[l + 1] * samples;
  return flops;
}

double BackpropFlops(const std::vector<int>& widths, double samples) {
  const double forward = ForwardFlops(widths, samples);
  const double first_input_gradient = 2.0 * widths[0] * widths[1] * samples;
  return forward * 3 - first_input_gradient;
}

}  // namespace fln
