#include "core/conv2d.h"

#include <omp.h>

#include "core/rng.h"
#include "gtest/gtest.h"

namespace fln {
namespace {

Matrix RandomMatrix(Eigen::Index rows, Eigen::Index cols, Rng* rng) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng->Uniform(-1.0f, 1.0f);
  return m;
}

// out[f, oh, ow] = b[f] + sum_{c,kh,kw} w[f, (kh, kw, c)] * x[c, oh*s - pad + kh, ...].
Matrix NaiveConv(const Conv2dGeometry& g, const Matrix& weight, const Vector& bias,
                 const Matrix& input) {
  Matrix out(g.output_size(), input.cols());
  for (Eigen::Index j = 0; j < input.cols(); ++j) {
    for (int oh = 0; oh < g.out_height(); ++oh) {
      for (int ow = 0; ow < g.out_width(); ++ow) {
        for (int f = 0; f < g.filters; ++f) {
          float sum = bias(f);
          for (int kh = 0; kh < g.kernel; ++kh) {
            for (int kw = 0; kw < g.kernel; ++kw) {
              const int h = oh * g.stride - g.pad() + kh;
              const int w = ow * g.stride - g.pad() + kw;
              if (h < 0 || h >= g.height || w < 0 || w >= g.width) continue;
              for (int c = 0; c < g.channels; ++c) {
                sum += weight(f, (kh * g.kernel + kw) * g.channels + c) *
                       input((h * g.width + w) * g.channels + c, j);
              }
            }
          }
          out((oh * g.out_width() + ow) * g.filters + f, j) = sum;
        }
      }
    }
  }
  return out;
}

std::vector<Conv2dGeometry> Geometries() {
  return {
      {1, 8, 8, 5, 1, Padding::kSame, 3},  // LeNet's first layer, small
      {2, 7, 6, 3, 1, Padding::kValid, 4},
      {3, 9, 9, 3, 2, Padding::kSame, 2},
      {2, 10, 8, 4, 2, Padding::kValid, 3},  // even kernel
      {2, 5, 6, 2, 1, Padding::kSame, 2},    // SAME with pad() == 0: overhangs only after
      // Single-channel, stride 1: the direct (no im2col) path.
      {1, 7, 9, 3, 1, Padding::kValid, 2},
      {1, 6, 5, 4, 1, Padding::kSame, 3},    // even kernel: uneven padding
      {3, 9, 9, 3, 2, Padding::kSame, 2},
  };
}

TEST(Conv2dTest, GeometryOfSameAndValid) {
  const Conv2dGeometry same{1, 28, 28, 5, 1, Padding::kSame, 6};
  EXPECT_EQ(same.out_height(), 28);
  EXPECT_EQ(same.output_size(), 6 * 28 * 28);
  const Conv2dGeometry valid{6, 14, 14, 5, 1, Padding::kValid, 16};
  EXPECT_EQ(valid.out_height(), 10);
  EXPECT_EQ(valid.patch_size(), 150);
  const Conv2dGeometry strided{1, 9, 9, 3, 2, Padding::kSame, 1};
  EXPECT_EQ(strided.out_width(), 5);
}

TEST(Conv2dTest, ForwardMatchesANaiveLoop) {
  Rng rng(1);
  for (const Conv2dGeometry& g : Geometries()) {
    const Matrix weight = RandomMatrix(g.filters, g.patch_size(), &rng);
    const Vector bias = RandomMatrix(g.filters, 1, &rng).col(0);
    const Matrix input = RandomMatrix(g.input_size(), 3, &rng);
    Matrix out;
    Conv2dForward(g, weight, bias, input, &out);
    EXPECT_TRUE(out.isApprox(NaiveConv(g, weight, bias, input), 1e-5f))
        << "kernel " << g.kernel << " stride " << g.stride;
  }
}

TEST(Conv2dTest, TransposeIsTheAdjointOfTheConvolution) {
  Rng rng(2);
  for (const Conv2dGeometry& g : Geometries()) {
    const Matrix weight = RandomMatrix(g.filters, g.patch_size(), &rng);
    const Matrix x = RandomMatrix(g.input_size(), 4, &rng);
    const Matrix y = RandomMatrix(g.output_size(), 4, &rng);
    Matrix conv_x, conv_t_y;
    Conv2dForward(g, weight, Vector::Zero(g.filters), x, &conv_x);
    Conv2dTranspose(g, weight, y, &conv_t_y);
    const double lhs = conv_x.cast<double>().cwiseProduct(y.cast<double>()).sum();
    const double rhs = x.cast<double>().cwiseProduct(conv_t_y.cast<double>()).sum();
    EXPECT_NEAR(lhs, rhs, 1e-4 * (1 + std::abs(lhs)));
  }
}

TEST(Conv2dTest, KernelGradientIsOutGradTimesPatchesTransposed) {
  Rng rng(4);
  for (const Conv2dGeometry& g : Geometries()) {
    // Enough samples for several chunks (and threads) in the larger geometries.
    const int samples = 300;
    const Matrix x = RandomMatrix(g.input_size(), samples, &rng);
    Matrix out_grad = RandomMatrix(g.output_size(), samples, &rng);
    Matrix patches;
    Im2Col(g, x, &patches);
    const Eigen::Map<const Matrix> per_position(out_grad.data(), g.filters, patches.cols());
    const Matrix expected = per_position * patches.transpose();
    Matrix got;
    Conv2dKernelGradient(g, x, out_grad, &got);
    ASSERT_EQ(got.rows(), g.filters);
    ASSERT_EQ(got.cols(), g.patch_size());
    EXPECT_TRUE(got.isApprox(expected, 1e-4f)) << "kernel " << g.kernel << " stride " << g.stride;
  }
}

TEST(Conv2dTest, PatchGramIsPatchesTimesTheirTranspose) {
  Rng rng(5);
  for (const Conv2dGeometry& g : Geometries()) {
    const int samples = 300;  // several chunks
    const Matrix x = RandomMatrix(g.input_size(), samples, &rng);
    Matrix patches;
    Im2Col(g, x, &patches);
    const Matrix expected_gram = patches * patches.transpose();
    const Vector expected_sums = patches.rowwise().sum();
    Matrix gram;
    Vector sums;
    Conv2dPatchGram(g, x, &gram, &sums);
    EXPECT_TRUE(gram.isApprox(expected_gram, 1e-4f)) << "kernel " << g.kernel;
    EXPECT_TRUE(sums.isApprox(expected_sums, 1e-4f)) << "kernel " << g.kernel;
  }
}

// FLN's conv W-block sums over every window of the batch with these: its
// result must not depend on how many threads share the chunks.
TEST(Conv2dTest, WindowSumsDoNotDependOnTheThreadCount) {
  Rng rng(6);
  for (const Conv2dGeometry& g : Geometries()) {
    const int samples = 200;
    const Matrix x = RandomMatrix(g.input_size(), samples, &rng);
    const Matrix out_grad = RandomMatrix(g.output_size(), samples, &rng);
    Matrix gradient[3], gram[3];
    Vector sums[3];
    for (int threads = 1; threads <= 3; ++threads) {
      omp_set_num_threads(threads);
      Conv2dKernelGradient(g, x, out_grad, &gradient[threads - 1]);
      Conv2dPatchGram(g, x, &gram[threads - 1], &sums[threads - 1]);
    }
    for (int t = 1; t < 3; ++t) {
      EXPECT_EQ(gradient[t], gradient[0]) << "kernel " << g.kernel << ", " << t + 1 << " threads";
      EXPECT_EQ(gram[t], gram[0]) << "kernel " << g.kernel << ", " << t + 1 << " threads";
      EXPECT_EQ(sums[t], sums[0]) << "kernel " << g.kernel << ", " << t + 1 << " threads";
    }
  }
}

TEST(Conv2dTest, Col2ImIsTheAdjointOfIm2Col) {
  Rng rng(3);
  for (const Conv2dGeometry& g : Geometries()) {
    const Matrix x = RandomMatrix(g.input_size(), 2, &rng);
    Matrix patches;
    Im2Col(g, x, &patches);
    const Matrix c = RandomMatrix(patches.rows(), patches.cols(), &rng);
    Matrix back;
    Col2Im(g, c, 2, &back);
    EXPECT_NEAR(patches.cwiseProduct(c).sum(), x.cwiseProduct(back).sum(), 1e-3);
  }
}

TEST(AvgPoolTest, AveragesEachTwoByTwoBlock) {
  Matrix image(16, 1);  // 1 channel, 4 x 4, row-major
  for (int i = 0; i < 16; ++i) image(i, 0) = static_cast<float>(i);
  Matrix pooled;
  AvgPool2x2(1, 4, 4, image, &pooled);
  ASSERT_EQ(pooled.rows(), 4);
  EXPECT_FLOAT_EQ(pooled(0, 0), (0 + 1 + 4 + 5) / 4.0f);
  EXPECT_FLOAT_EQ(pooled(3, 0), (10 + 11 + 14 + 15) / 4.0f);
}

TEST(AvgPoolTest, TransposeIsTheAdjoint) {
  Rng rng(4);
  for (const auto& [channels, height, width] :
       std::vector<std::tuple<int, int, int>>{{1, 4, 4}, {3, 6, 8}, {2, 5, 7}}) {
    const Matrix x = RandomMatrix(channels * height * width, 3, &rng);
    const Matrix y = RandomMatrix(channels * (height / 2) * (width / 2), 3, &rng);
    Matrix pooled, back;
    AvgPool2x2(channels, height, width, x, &pooled);
    AvgPool2x2Transpose(channels, height, width, y, &back);
    EXPECT_NEAR(pooled.cwiseProduct(y).sum(), x.cwiseProduct(back).sum(), 1e-4);
  }
}

}  // namespace
}  // namespace fln
