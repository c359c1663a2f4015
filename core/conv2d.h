// File: conv2d.h
//
// 2-D convolution (cross-correlation, as in every deep-learning library) and
// 2x2 average pooling on batches stored one sample per column, with their
// adjoints: the building blocks of convolutional FLN (docs/method.md, "The blocks"),
// where the X-block needs the transposed convolution and the W-block the
// kernel correlation, both derived from the same im2col patch matrix.
//
// Layout: a sample's feature map of C channels and H x W pixels is the
// column vector in HWC order, index (h * W + w) * C + c. With this order a
// batch of convolution outputs computed as one GEMM, weight (C_out x k*k*C_in)
// times patches (k*k*C_in x m*H_out*W_out), is already the batch matrix
// (C_out*H_out*W_out x m): no reshuffle. For one channel HWC = the usual
// row-major image.
//
//   Conv2dGeometry g{/*channels=*/1, 28, 28, /*kernel=*/5, /*stride=*/1,
//                    Padding::kSame, /*filters=*/6};
//   Matrix patches;
//   Im2Col(g, images, &patches);              // (25) x (m * 28 * 28)
//   Matrix out = weight * patches;            // 6 x (m*28*28) == (28*28*6) x m
#ifndef FLN_CORE_CONV2D_H_
#define FLN_CORE_CONV2D_H_

#include "core/matrix.h"

namespace fln {

enum class Padding { kValid, kSame };

struct Conv2dGeometry {
  int channels = 1;  // input channels
  int height = 0;    // input height
  int width = 0;     // input width
  int kernel = 1;    // square kernel size
  int stride = 1;
  Padding padding = Padding::kValid;
  int filters = 1;   // output channels

  // Zero padding before the first row/column (SAME pads (kernel - 1) / 2
  // there and the rest after).
  int pad() const { return padding == Padding::kSame ? (kernel - 1) / 2 : 0; }
  int out_height() const;
  int out_width() const;
  int input_size() const { return channels * height * width; }
  int output_size() const { return filters * out_height() * out_width(); }
  int patch_size() const { return kernel * kernel * channels; }
};

// patches(:, j * P + p) = the kernel-sized window (HWC, zero outside the
// image) of sample j at output position p (P = out_height * out_width).
// REQUIRES: input.rows() == g.input_size().
void Im2Col(const Conv2dGeometry& g, const Matrix& input, Matrix* patches);

// The adjoint of Im2Col: scatters and sums every window back into
// (input_size x m) maps. <Im2Col(x), c> == <x, Col2Im(c)>.
void Col2Im(const Conv2dGeometry& g, const Matrix& patches, int samples, Matrix* input);

// out = conv(input, weight) + bias: (filters * out_h * out_w) x m.
// weight: filters x patch_size, bias: filters.
void Conv2dForward(const Conv2dGeometry& g, const Matrix& weight, const Vector& bias,
                   const Matrix& input, Matrix* out);

// The adjoint with respect to the input (transposed convolution):
// <Conv2dForward(x) - bias, y> == <x, Conv2dTranspose(y)>.
void Conv2dTranspose(const Conv2dGeometry& g, const Matrix& weight, const Matrix& out_grad,
                     Matrix* input_grad);

// The gradient with respect to the weight (bias excluded):
// weight_grad = out_grad * Im2Col(input)^T, with out_grad seen per position
// (filters x m * P); out_grad may be given in that shape or in its
// (output_size x m) batch form, which is the same memory.
// Computed chunk by chunk without the batch's whole patch matrix; each chunk
// of samples has its own partial sum, added in chunk order, so the result
// does not depend on the thread count.
void Conv2dKernelGradient(const Conv2dGeometry& g, const Matrix& input, const Matrix& out_grad,
                          Matrix* weight_grad);

// The Gram matrix and the sums of every im2col window of the batch:
// gram = P P^T (patch_size x patch_size) and sums = P 1, P = Im2Col(g,
// input), chunk by chunk without P and summed like Conv2dKernelGradient.
// A convolution's W-block needs them (fln_blocks.h).
void Conv2dPatchGram(const Conv2dGeometry& g, const Matrix& input, Matrix* gram, Vector* sums);

// 2x2 average pooling with stride 2 of (channels x height x width) HWC maps.
// An odd last row or column is dropped, as in PyTorch's AvgPool2d(2).
void AvgPool2x2(int channels, int height, int width, const Matrix& input, Matrix* out);

// Its adjoint: each pooled value spreads 1/4 to its four pixels.
void AvgPool2x2Transpose(int channels, int height, int width, const Matrix& out_grad,
                         Matrix* input_grad);

}  // namespace fln

#endif  // FLN_CORE_CONV2D_H_
