// File: fenchel.h
//
// The Fenchel-Young divergence of ReLU and the relaxed (Fenchel lifted)
// objective (docs/method.md).
//
//   B(u, v) = 1/2 v^2 + 1/2 max(u, 0)^2 - u v,   v >= 0,
//
// B >= 0 and B(u, v) = 0 iff v = relu(u). The relaxed objective is
//
//   F = w_L CE(Y, W_L X_L + b_L) + sum_l w_l lambda_l B(W_l X_l + b_l, X_{l+1})
//     + sum_l rho_d,l (||W_l - W_l^prev||^2 + ||b_l - b_l^prev||^2) + rho_l ||W_l||^2,
//
// with w_0 = 1, w_l = c_1 ... c_l (FlnHyperparameters::layer_weight) and the
// loss summed (not averaged) over the batch. Every FLN block is F restricted
// to that block, so a monotone block solve never raises F.
#ifndef FLN_CORE_FENCHEL_H_
#define FLN_CORE_FENCHEL_H_

#include <vector>

#include "core/fln_hyperparameters.h"
#include "core/matrix.h"
#include "core/network.h"

namespace fln {

// B(u, v) for one pair. REQUIRES: v >= 0 (not checked). Evaluated as
//   1/2 (v - r)^2 + v (r - u),   r = max(u, 0),
// which is 1/2 (v - u)^2 for u > 0 and v (v/2 - u) otherwise, free of the
// cancellation in 1/2 v^2 + 1/2 r^2 - u v, so it is exactly 0 on the ReLU
// graph; and branch-free, so Eigen vectorises it (select() is scalar in 3.4).
inline float FenchelDivergence(float u, float v) {
  const float r = u > 0.0f ? u : 0.0f;
  return 0.5f * (v - r) * (v - r) + v * (r - u);
}

// Elementwise B(pre, post) as an Eigen array expression (same formula), for
// matrices, columns or any other same-shape float expressions.
template <typename Pre, typename Post>
auto FenchelDivergenceArray(const Eigen::MatrixBase<Pre>& pre, const Eigen::MatrixBase<Post>& post) {
  const auto r = pre.array().max(0.0f);
  return 0.5f * (post.array() - r).square() + post.array() * (r - pre.array());
}

// Column sums of B(pre, post) elementwise. REQUIRES: same shapes.
Vector FenchelDivergencePerColumn(const Matrix& pre, const Matrix& post);

// Sum of B(pre, post) over all elements, accumulated in double.
double FenchelDivergenceSum(const Matrix& pre, const Matrix& post);

// F and its terms, each summed over the batch.
struct LiftedObjective {
  double total = 0;          // F = loss_term + sum(weighted_gaps) + proximal + ridge
  double loss_term = 0;      // w_L * sum CE
  std::vector<double> gaps;  // sum B_l per hidden layer, unweighted (>= 0)
  std::vector<double> weighted_gaps;  // w_l lambda_l * gaps[l]
  double proximal = 0;       // sum rho_d (||W - W^prev||^2 + ||b - b^prev||^2)
  double ridge = 0;          // sum rho ||W||^2
};

// *sum += scale * term, field by field (vectors grow to term's sizes).
void AccumulateObjective(const LiftedObjective& term, double scale, LiftedObjective* sum);

// F at (net, x). x[0] is the input batch and x[l] the lifted X_l, l = 1..L;
// pre[l] = W_l x[l] + b_l for l = 0..L must be current. `anchor` is the
// proximal centre (W^prev).
LiftedObjective EvaluateLiftedObjective(const Network& net, const std::vector<Matrix>& x,
                                        const std::vector<Matrix>& pre, const Matrix& one_hot,
                                        const FlnHyperparameters& hyper, const Network& anchor);

// Same, computing the pre-activations from (net, x).
LiftedObjective EvaluateLiftedObjective(const Network& net, const std::vector<Matrix>& x,
                                        const Matrix& one_hot, const FlnHyperparameters& hyper,
                                        const Network& anchor);

}  // namespace fln

#endif  // FLN_CORE_FENCHEL_H_
