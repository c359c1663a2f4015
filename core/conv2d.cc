#include "core/conv2d.h"

#include <algorithm>

namespace fln {

int Conv2dGeometry::out_height() const {
  if (padding == Padding::kSame) return (height + stride - 1) / stride;
  return (height - kernel) / stride + 1;
}

int Conv2dGeometry::out_width() const {
  if (padding == Padding::kSame) return (width + stride - 1) / stride;
  return (width - kernel) / stride + 1;
}

namespace {

// Calls visit(patch_offset, input_offset, length) for every in-image run of
// the window at output position (oh, ow): one kernel row clipped to the
// image, `length` contiguous floats in both the patch column and the HWC
// input column (a row of pixels is contiguous in HWC). Padding is skipped.
template <typename Visit>
void ForEachWindowRun(const Conv2dGeometry& g, int oh, int ow, Visit visit) {
  const int top = oh * g.stride - g.pad();
  const int left = ow * g.stride - g.pad();
  const int first_w = std::max(left, 0);
  const int end_w = std::min(left + g.kernel, g.width);
  if (first_w >= end_w) return;
  const int length = (end_w - first_w) * g.channels;
  for (int kh = 0; kh < g.kernel; ++kh) {
    const int h = top + kh;
    if (h < 0 || h >= g.height) continue;
    visit((kh * g.kernel + first_w - left) * g.channels, (h * g.width + first_w) * g.channels,
          length);
  }
}

}  // namespace

void Im2Col(const Conv2dGeometry& g, const Matrix& input, Matrix* patches) {
  const int samples = static_cast<int>(input.cols());
  const int positions = g.out_height() * g.out_width();
  patches->resize(g.patch_size(), static_cast<Eigen::Index>(samples) * positions);
  // Only SAME windows can overhang the image (on either side, even when
  // pad() == 0), and only they leave entries unwritten.
  if (g.padding == Padding::kSame) patches->setZero();
#pragma omp parallel for schedule(static)
  for (int j = 0; j < samples; ++j) {
    const float* image = input.col(j).data();
    for (int oh = 0; oh < g.out_height(); ++oh) {
      for (int ow = 0; ow < g.out_width(); ++ow) {
        const Eigen::Index col = static_cast<Eigen::Index>(j) * positions + oh * g.out_width() + ow;
        float* patch = patches->col(col).data();
        ForEachWindowRun(g, oh, ow, [&](int patch_offset, int input_offset, int length) {
          std::copy_n(image + input_offset, length, patch + patch_offset);
        });
      }
    }
  }
}

void Col2Im(const Conv2dGeometry& g, const Matrix& patches, int samples, Matrix* input) {
  const int positions = g.out_height() * g.out_width();
  input->setZero(g.input_size(), samples);
  // Each sample's pixels are written only by that sample's windows, so the
  // loop over samples is race-free and its sums are in a fixed order.
#pragma omp parallel for schedule(static)
  for (int j = 0; j < samples; ++j) {
    float* image = input->col(j).data();
    for (int oh = 0; oh < g.out_height(); ++oh) {
      for (int ow = 0; ow < g.out_width(); ++ow) {
        const Eigen::Index col = static_cast<Eigen::Index>(j) * positions + oh * g.out_width() + ow;
        const float* patch = patches.col(col).data();
        ForEachWindowRun(g, oh, ow, [&](int patch_offset, int input_offset, int length) {
          for (int i = 0; i < length; ++i) image[input_offset + i] += patch[patch_offset + i];
        });
      }
    }
  }
}

Matrix FoldPositions(const Matrix& per_position, int samples) {
  return Eigen::Map<const Matrix>(per_position.data(), per_position.size() / samples, samples);
}

Matrix UnfoldPositions(const Matrix& per_sample, int rows) {
  return Eigen::Map<const Matrix>(per_sample.data(), rows, per_sample.size() / rows);
}

void Conv2dForward(const Conv2dGeometry& g, const Matrix& weight, const Vector& bias,
                   const Matrix& input, Matrix* out) {
  Matrix patches;
  Im2Col(g, input, &patches);
  Matrix per_position = weight * patches;
  per_position.colwise() += bias;
  *out = FoldPositions(per_position, static_cast<int>(input.cols()));
}

void Conv2dTranspose(const Conv2dGeometry& g, const Matrix& weight, const Matrix& out_grad,
                     Matrix* input_grad) {
  const Matrix per_position = UnfoldPositions(out_grad, g.filters);
  const Matrix patches = weight.transpose() * per_position;
  Col2Im(g, patches, static_cast<int>(out_grad.cols()), input_grad);
}

void AvgPool2x2(int channels, int height, int width, const Matrix& input, Matrix* out) {
  const int out_h = height / 2, out_w = width / 2;
  out->resize(static_cast<Eigen::Index>(channels) * out_h * out_w, input.cols());
#pragma omp parallel for schedule(static)
  for (Eigen::Index j = 0; j < input.cols(); ++j) {
    for (int oh = 0; oh < out_h; ++oh) {
      for (int ow = 0; ow < out_w; ++ow) {
        const auto pixel = [&](int h, int w) {
          return input.col(j).segment((h * width + w) * channels, channels);
        };
        out->col(j).segment((oh * out_w + ow) * channels, channels) =
            0.25f * (pixel(2 * oh, 2 * ow) + pixel(2 * oh, 2 * ow + 1) +
                     pixel(2 * oh + 1, 2 * ow) + pixel(2 * oh + 1, 2 * ow + 1));
      }
    }
  }
}

void AvgPool2x2Transpose(int channels, int height, int width, const Matrix& out_grad,
                         Matrix* input_grad) {
  const int out_h = height / 2, out_w = width / 2;
  input_grad->resize(static_cast<Eigen::Index>(channels) * height * width, out_grad.cols());
#pragma omp parallel for schedule(static)
  for (Eigen::Index j = 0; j < out_grad.cols(); ++j) {
    for (int h = 0; h < height; ++h) {
      for (int w = 0; w < width; ++w) {
        auto pixel = input_grad->col(j).segment((h * width + w) * channels, channels);
        if (h / 2 >= out_h || w / 2 >= out_w) {
          pixel.setZero();  // an odd last row/column is not pooled
        } else {
          pixel = 0.25f * out_grad.col(j).segment(((h / 2) * out_w + (w / 2)) * channels,
                                                  channels);
        }
      }
    }
  }
}

}  // namespace fln
