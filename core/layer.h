// File: layer.h
//
// One weight layer of a network: the affine map A(X) = W F(X) + b of
// docs/method.md ("Notation", "The blocks"), where F is
//   - dense:  F(X) = pool(X)                 (W: units x inputs)
//   - conv2d: F(X) = im2col(pool(X))         (W: filters x kernel*kernel*channels)
// and pool is the optional 2x2 average pooling of the previous convolution's
// output, folded into this layer so the lifted variable X_l stays the
// post-ReLU, pre-pooling map and every FLN block stays convex.
//
// Batches are per sample: X is input_size() x m and A(X) is output_size() x m
// (HWC maps, conv2d.h). The W-blocks see a convolution as a dense layer over
// m * positions() "samples": in HWC order an (output_size x m) batch and its
// (units x m * positions) per-position view are the same memory, so
// ToPositions and ToSamples reshape in place; for dense layers both are the
// identity.
#ifndef FLN_CORE_LAYER_H_
#define FLN_CORE_LAYER_H_

#include "core/conv2d.h"
#include "core/matrix.h"

namespace fln {

struct Layer {
  Matrix weight;
  Vector bias;

  // Structure, fixed by the model spec.
  bool conv = false;
  Conv2dGeometry geometry;  // conv: the geometry on the (pooled) input
  bool pool_input = false;  // 2x2 average pooling of the input first
  int input_channels = 1;   // shape of the unpooled input map (for pooling)
  int input_height = 1;
  int input_width = 1;
  int input_size = 0;       // rows of X (before pooling)
  int output_size = 0;      // rows of A(X)

  int units() const { return static_cast<int>(weight.rows()); }
  // Output positions per sample (out_height * out_width; 1 for dense).
  int positions() const { return conv ? geometry.out_height() * geometry.out_width() : 1; }
  // Glorot fan-in / fan-out (per output unit, per input unit).
  int fan_in() const { return static_cast<int>(weight.cols()); }
  int fan_out() const { return conv ? units() * geometry.kernel * geometry.kernel : units(); }

  // pre = A(in), bias included.
  void Forward(const Matrix& in, Matrix* pre) const;
  // in_grad = A^T(pre_grad) without the bias: the transposed convolution,
  // then the transposed pooling.
  void Transpose(const Matrix& pre_grad, Matrix* in_grad) const;
  // The input after the layer's 2x2 pooling: `in` itself if it does not
  // pool (no copy on the hot path), else *storage filled with it.
  const Matrix& PooledInput(const Matrix& in, Matrix* storage) const;
  // F(in): the matrix W multiplies (dense: the pooled input, inputs x m;
  // conv: its im2col patches, patch x m*P), returned like PooledInput.
  // Training never forms a convolution's F for a whole batch (the W-block
  // works on windows chunk by chunk); tests use it as the reference.
  const Matrix& Features(const Matrix& in, Matrix* storage) const;
  // grad = pre_grad * F(in)^T, the gradient of <pre_grad, W F(in)> in W,
  // with pre_grad per position (ToPositions). For a convolution F(in) is
  // never formed for the whole batch (Conv2dKernelGradient).
  void WeightGradient(const Matrix& in, const Matrix& pre_grad, Matrix* grad) const;
  // (output_size x m) -> (units x m * positions) and back, without copying.
  // REQUIRES: the matrix has the shape the call converts from.
  void ToPositions(Matrix* per_sample) const;
  void ToSamples(int samples, Matrix* per_position) const;
};

// Squared operator norm of X -> W F(X) (the bias is irrelevant), by power
// iteration on one sample; exact SVD-free path for plain dense layers.
float SquaredOperatorNorm(const Layer& layer);

}  // namespace fln

#endif  // FLN_CORE_LAYER_H_
