// File: fln_blocks.h
//
// The four convex FLN blocks of docs/method.md ("The blocks") as BlockProblems for
// SolveBlock (block_solver.h).
//
//   XBlock  (a)/(b): min over X_l >= 0 of
//        upstream_weight * B(U, X_l) + downstream term at A_l(X_l) (layer.h:
//        W_l X_l + b_l, or a convolution of the pooled map),
//     where U = W_{l-1} X_{l-1} + b_{l-1} is fixed and the downstream term is
//     downstream_weight * B(A_l(X_l), X_{l+1})  for a hidden layer (a) or
//     downstream_weight * CE(Y, A_L(X_L))       for the last one (b).
//     Separable over samples (columns). Projected gradient steps with the
//     Lipschitz constant downstream_weight * k * ||A_l||_2^2 + upstream_weight
//     (k = 1 for B, 1/2 for softmax cross-entropy).
//
//   WBlock  (c)/(d): min over Z = [W_l b_l] of
//        data term at Z [F; 1] + rho_d ||Z - Z^prev||^2 + rho ||W_l||^2,
//     where F = X_l (after the layer's pooling) for a dense layer, or its
//     im2col windows for a convolution, whose "samples" are then the
//     m * positions windows (never formed for the whole batch: the block
//     maps with the convolution and sums its Gram matrix and gradient chunk
//     by chunk, conv2d.h),
//     with data term w_l lambda_l * B(., X_{l+1}) for a hidden layer (c,
//     separable over neurons/rows) or w_L * CE(Y, .) for the output layer
//     (d, one group). The trainer passes F's weights (fenchel.h), so every
//     block is F restricted to it. Sums over samples go through a Collective. Steps either use the
//     Lipschitz constant k * ||[X;1]||_2^2 + 2(rho_d + rho), or the metric
//     H = k [X;1][X;1]^T + 2 rho_d I + 2 rho diag(1..1, 0), which bounds every
//     neuron's generalised Hessian, so Z - grad H^{-1} minimises a majoriser
//     (a monotone, Newton-like step shared by all neurons).
#ifndef FLN_CORE_FLN_BLOCKS_H_
#define FLN_CORE_FLN_BLOCKS_H_

#include <optional>

#include "core/block_solver.h"
#include "core/collective.h"
#include "core/conv2d.h"
#include "core/matrix.h"
#include "core/network.h"

namespace fln {

// The term a block's pre-activation (or logits) enters.
enum class DataTerm {
  kFenchelRelu,          // weight * B(pre, target), target >= 0
  kSoftmaxCrossEntropy,  // weight * CE(one-hot target, pre)
};

class XBlock final : public BlockProblem {
 public:
  // All references must outlive the block. REQUIRES: upstream is n_l x m,
  // layer.weight has n_l columns, target has layer.weight.rows() rows and m
  // columns.
  XBlock(const Eigen::Ref<const Matrix>& upstream, float upstream_weight,
         const Layer& layer, const Eigen::Ref<const Matrix>& target,
         float downstream_weight, DataTerm downstream);

  GroupAxis axis() const override { return GroupAxis::kColumns; }
  void Map(const Matrix& z, Matrix* p) const override;
  void GroupObjectives(const Matrix& z, const Matrix& p, Vector* values) const override;
  void Gradient(const Matrix& z, const Matrix& p, Matrix* grad) const override;
  void Step(const Matrix& y, const Matrix& grad, Matrix* z) const override;
  std::unique_ptr<BlockProblem> ColumnSlice(Eigen::Index begin,
                                            Eigen::Index count) const override;
  // Fewer columns when a convolution follows: about 1 MB of its im2col
  // patches per tile (fln_blocks.cc).
  Eigen::Index column_tile() const override;

  float lipschitz() const { return lipschitz_; }

 private:
  XBlock(const XBlock& whole, Eigen::Index begin, Eigen::Index count);

  const Eigen::Ref<const Matrix> upstream_;
  const float upstream_weight_;
  const Layer& layer_;
  const Eigen::Ref<const Matrix> target_;
  const float downstream_weight_;
  const DataTerm downstream_;
  float lipschitz_;
};

enum class WStep { kLipschitz, kGram };

class WBlock final : public BlockProblem {
 public:
  // input: X_l after the layer's pooling (Layer::PooledInput); target:
  // X_{l+1} in positions layout (Layer::ToPositions) or one-hot Y; anchor:
  // W^prev, b^prev, and the layer's structure (dense or convolution).
  // input and target must outlive the block.
  WBlock(const Matrix& input, const Matrix& target, DataTerm data_term, float data_weight,
         const Layer& anchor, float rho_d, float rho, WStep step, Collective* collective);

  GroupAxis axis() const override {
    return data_term_ == DataTerm::kFenchelRelu ? GroupAxis::kRows : GroupAxis::kWhole;
  }
  void Map(const Matrix& z, Matrix* p) const override;
  void GroupObjectives(const Matrix& z, const Matrix& p, Vector* values) const override;
  void Gradient(const Matrix& z, const Matrix& p, Matrix* grad) const override;
  void Step(const Matrix& y, const Matrix& grad, Matrix* z) const override;

 private:
  const Matrix& input_;                 // pooled X_l; the bias row of [F; 1^T] is implicit
  std::optional<Conv2dGeometry> conv_;  // set for a convolution's block
  const Matrix& target_;
  const DataTerm data_term_;
  const float data_weight_;
  const float rho_d_;
  const float rho_;
  Collective* const collective_;
  Matrix anchor_;           // [W^prev b^prev]
  WStep step_;
  float lipschitz_ = 0;
  Matrix metric_factor_;  // Cholesky factor of H, for kGram
};

// [W b] as one units x (inputs + 1) matrix, and back.
Matrix PackAffine(const Layer& layer);
void UnpackAffine(const Matrix& packed, Layer* layer);

}  // namespace fln

#endif  // FLN_CORE_FLN_BLOCKS_H_
