#include "core/conv2d.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <vector>

#include "core/gemm.h"
#include "core/symmetric_matrix.h"

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

// Copies (or adds) one window run of `length` floats. Runs are short (5 to a
// few dozen floats) and their length is known only at run time: a libc
// memcpy per run cost more than the copy itself (most of im2col's time on
// LeNet-5's 30-float runs), and GCC -O2 does not vectorise a plain loop, so
// the tail of a run is one masked vector load and store.
#if defined(__AVX512F__)
inline void CopyRun(const float* from, float* to, int length) {
  int i = 0;
  for (; i + 16 <= length; i += 16) _mm512_storeu_ps(to + i, _mm512_loadu_ps(from + i));
  if (i == length) return;
  const __mmask16 tail = static_cast<__mmask16>((1u << (length - i)) - 1);
  _mm512_mask_storeu_ps(to + i, tail, _mm512_maskz_loadu_ps(tail, from + i));
}
inline void AddRun(const float* from, float* to, int length) {
  int i = 0;
  for (; i + 16 <= length; i += 16) {
    _mm512_storeu_ps(to + i, _mm512_add_ps(_mm512_loadu_ps(to + i), _mm512_loadu_ps(from + i)));
  }
  if (i == length) return;
  const __mmask16 tail = static_cast<__mmask16>((1u << (length - i)) - 1);
  _mm512_mask_storeu_ps(
      to + i, tail,
      _mm512_add_ps(_mm512_maskz_loadu_ps(tail, to + i), _mm512_maskz_loadu_ps(tail, from + i)));
}
#elif defined(__AVX2__)
// Lanes [8 - n, 16 - n) of this table enable the first n floats.
alignas(32) constexpr int32_t kTailMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                               0,  0,  0,  0,  0,  0,  0,  0};
inline __m256i TailMask(int n) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask + 8 - n));
}
inline void CopyRun(const float* from, float* to, int length) {
  int i = 0;
  for (; i + 8 <= length; i += 8) _mm256_storeu_ps(to + i, _mm256_loadu_ps(from + i));
  if (i == length) return;
  const __m256i tail = TailMask(length - i);
  _mm256_maskstore_ps(to + i, tail, _mm256_maskload_ps(from + i, tail));
}
inline void AddRun(const float* from, float* to, int length) {
  int i = 0;
  for (; i + 8 <= length; i += 8) {
    _mm256_storeu_ps(to + i, _mm256_add_ps(_mm256_loadu_ps(to + i), _mm256_loadu_ps(from + i)));
  }
  if (i == length) return;
  const __m256i tail = TailMask(length - i);
  _mm256_maskstore_ps(
      to + i, tail,
      _mm256_add_ps(_mm256_maskload_ps(to + i, tail), _mm256_maskload_ps(from + i, tail)));
}
#else
inline void CopyRun(const float* from, float* to, int length) {
  std::memcpy(to, from, sizeof(float) * length);
}
inline void AddRun(const float* from, float* to, int length) {
  for (int i = 0; i < length; ++i) to[i] += from[i];
}
#endif

// Writes the patch columns of one sample.
void Im2ColSample(const Conv2dGeometry& g, int out_height, int out_width, const float* image,
                  float* patches) {
  const int patch_size = g.patch_size();
  for (int oh = 0; oh < out_height; ++oh) {
    for (int ow = 0; ow < out_width; ++ow) {
      float* patch = patches + static_cast<Eigen::Index>(oh * out_width + ow) * patch_size;
      ForEachWindowRun(g, oh, ow, [&](int patch_offset, int input_offset, int length) {
        CopyRun(image + input_offset, patch + patch_offset, length);
      });
    }
  }
}

// Adds one sample's patch columns back into its image (the adjoint of
// Im2ColSample).
void Col2ImSample(const Conv2dGeometry& g, int out_height, int out_width, const float* patches,
                  float* image) {
  const int patch_size = g.patch_size();
  for (int oh = 0; oh < out_height; ++oh) {
    for (int ow = 0; ow < out_width; ++ow) {
      const float* patch = patches + static_cast<Eigen::Index>(oh * out_width + ow) * patch_size;
      ForEachWindowRun(g, oh, ow, [&](int patch_offset, int input_offset, int length) {
        AddRun(patch + patch_offset, image + input_offset, length);
      });
    }
  }
}

// Samples per chunk of the forward and transposed convolutions: enough that
// a chunk's patch matrix (patch_size x samples * positions floats) fills
// about 256 KiB, so it stays in L2 between im2col and its GEMM instead of
// streaming the whole batch's patches (30 MB for LeNet-5's second layer on
// a batch of 500) through memory twice.
int ChunkSamples(const Conv2dGeometry& g) {
  constexpr int64_t kChunkFloats = 64 * 1024;
  const int64_t per_sample =
      static_cast<int64_t>(g.patch_size()) * g.out_height() * g.out_width();
  return static_cast<int>(std::max<int64_t>(1, kChunkFloats / per_sample));
}

}  // namespace

void Im2Col(const Conv2dGeometry& g, const Matrix& input, Matrix* patches) {
  const int samples = static_cast<int>(input.cols());
  const int out_height = g.out_height(), out_width = g.out_width();
  const int positions = out_height * out_width;
  patches->resize(g.patch_size(), static_cast<Eigen::Index>(samples) * positions);
  // Only SAME windows can overhang the image (on either side, even when
  // pad() == 0), and only they leave entries unwritten.
  if (g.padding == Padding::kSame) patches->setZero();
#pragma omp parallel for schedule(static)
  for (int j = 0; j < samples; ++j) {
    Im2ColSample(g, out_height, out_width, input.col(j).data(),
                 patches->col(static_cast<Eigen::Index>(j) * positions).data());
  }
}

void Col2Im(const Conv2dGeometry& g, const Matrix& patches, int samples, Matrix* input) {
  const int out_height = g.out_height(), out_width = g.out_width();
  const int positions = out_height * out_width;
  input->setZero(g.input_size(), samples);
  // Each sample's pixels are written only by that sample's windows, so the
  // loop over samples is race-free and its sums are in a fixed order.
#pragma omp parallel for schedule(static)
  for (int j = 0; j < samples; ++j) {
    Col2ImSample(g, out_height, out_width,
                 patches.col(static_cast<Eigen::Index>(j) * positions).data(),
                 input->col(j).data());
  }
}

namespace {

// Runs body(first, n, &patches) for consecutive chunks of ChunkSamples(g)
// samples, in parallel over chunks, each thread with its own patch buffer.
// Inside the region BLAS and Eigen run single-threaded (they do not nest),
// so each chunk's im2col or col2im and its GEMM stay on one core.
template <typename Body>
void ForEachChunk(const Conv2dGeometry& g, int samples, Body body) {
  const int chunk = ChunkSamples(g);
  const int chunks = (samples + chunk - 1) / chunk;
#pragma omp parallel
  {
    Matrix patches;
#pragma omp for schedule(static)
    for (int c = 0; c < chunks; ++c) {
      const int first = c * chunk;
      body(first, std::min(chunk, samples - first), &patches);
    }
  }
}

// The patch columns of samples [first, first + n) of `input` (Im2Col of
// that slice of the batch).
void Im2ColChunk(const Conv2dGeometry& g, const Matrix& input, int first, int n, Matrix* patches) {
  const int out_height = g.out_height(), out_width = g.out_width();
  const int positions = out_height * out_width;
  patches->resize(g.patch_size(), static_cast<Eigen::Index>(n) * positions);
  if (g.padding == Padding::kSame) patches->setZero();
  for (int j = 0; j < n; ++j) {
    Im2ColSample(g, out_height, out_width, input.col(first + j).data(),
                 patches->col(static_cast<Eigen::Index>(j) * positions).data());
  }
}

}  // namespace

namespace {

// Direct convolution of single-channel images with stride 1 (LeNet-5's first
// layer, 6 filters of 5 x 5). As a GEMM its reduction is only k*k long and
// its output 6 rows high, so im2col's copies and the skinny GEMM cost more
// than the arithmetic. Here each image is zero-padded once into a plane of
// `stride` = out_width + k - 1 columns; an output plane in that same layout
// is then k*k whole-plane multiply-adds of shifted input planes: long
// contiguous vector operations (the k - 1 columns past out_width are
// computed and ignored).
bool IsDirect(const Conv2dGeometry& g) { return g.channels == 1 && g.stride == 1; }

class DirectPlanes {
 public:
  explicit DirectPlanes(const Conv2dGeometry& g)
      : g_(g),
        stride_(g.out_width() + g.kernel - 1),
        plane_(static_cast<Eigen::Index>(g.out_height()) * stride_),
        blocks_end_((plane_ + kBlock - 1) / kBlock * kBlock),
        // Shifted reads reach k - 1 floats past the padded rows, and the
        // vector kernels up to a block past the plane.
        padded_(static_cast<size_t>(g.out_height() + g.kernel - 1) * stride_ + g.kernel + kBlock,
                0.0f),
        plane_buffer_(blocks_end_, 0.0f) {}

  // Copies one image into the zero-padded plane, a row at a time. With
  // stride 1 every image row fits: the plane has pad() rows and columns
  // before it and the rest of the k - 1 after. The border is never written,
  // so it stays zero from the constructor.
  void Load(const float* image) {
    const int pad = g_.pad();
    for (int h = 0; h < g_.height; ++h) {
      std::copy(image + h * g_.width, image + (h + 1) * g_.width,
                padded_.data() + static_cast<size_t>(h + pad) * stride_ + pad);
    }
  }

  // out (HWC) = conv(image) + bias.
  void Forward(const Matrix& weight, const Vector& bias, float* out) {
    const int k = g_.kernel, out_w = g_.out_width(), filters = g_.filters;
    for (int f = 0; f < filters; ++f) {
      if (k == 5) {
        FilterPlane<5>(weight, bias, f);
      } else if (k == 3) {
        FilterPlane<3>(weight, bias, f);
      } else {
        FilterPlaneAnyKernel(weight, bias, f);
      }
      for (int oh = 0; oh < g_.out_height(); ++oh) {
        const float* row = plane_buffer_.data() + static_cast<Eigen::Index>(oh) * stride_;
        float* pixel = out + (static_cast<Eigen::Index>(oh) * out_w) * filters + f;
        for (int ow = 0; ow < out_w; ++ow) pixel[ow * filters] = row[ow];
      }
    }
  }

  // grad(f, kh*k + kw) += sum over output pixels of out_grad(f, pixel) times
  // the input under tap (kh, kw). out_grad is HWC.
  void AddKernelGradient(const float* out_grad, Matrix* grad) {
    const int k = g_.kernel, out_w = g_.out_width(), filters = g_.filters;
    // The ignored columns, and the tail past the plane, stay 0.
    std::fill(plane_buffer_.begin(), plane_buffer_.end(), 0.0f);
    for (int f = 0; f < filters; ++f) {
      for (int oh = 0; oh < g_.out_height(); ++oh) {
        float* row = plane_buffer_.data() + static_cast<Eigen::Index>(oh) * stride_;
        const float* pixel = out_grad + (static_cast<Eigen::Index>(oh) * out_w) * filters + f;
        for (int ow = 0; ow < out_w; ++ow) row[ow] = pixel[ow * filters];
      }
      if (k == 5) {
        AddTapSums<5>(f, grad);
      } else if (k == 3) {
        AddTapSums<3>(f, grad);
      } else {
        AddTapSumsAnyKernel(f, grad);
      }
    }
  }

 private:
  // The vector kernels work on blocks of 16 output floats (one AVX-512
  // register); without AVX-512 they fall back to whole-plane Eigen
  // operations, which store the partial sum after every tap.
  static constexpr int kBlock = 16;

#if defined(__AVX512F__)
  // plane_buffer_ = filter f's output plane (with bias), a block at a time,
  // its sum held in a register over the K*K taps and the taps' weights in
  // registers: one load per multiply-add (the Eigen form loads and stores
  // the partial sum on every tap). conv1's forward, one thread, 64 samples:
  // 450 -> 371 us, the rest being the HWC scatter.
  template <int K>
  void FilterPlane(const Matrix& weight, const Vector& bias, int f) {
    __m512 taps[K * K];
#pragma GCC unroll 25
    for (int t = 0; t < K * K; ++t) taps[t] = _mm512_set1_ps(weight(f, t));
    for (Eigen::Index p = 0; p < blocks_end_; p += kBlock) {
      __m512 sum = _mm512_set1_ps(bias(f));
#pragma GCC unroll 5
      for (int kh = 0; kh < K; ++kh) {
        const float* row = padded_.data() + static_cast<size_t>(kh) * stride_ + p;
#pragma GCC unroll 5
        for (int kw = 0; kw < K; ++kw) {
          sum = _mm512_fmadd_ps(taps[kh * K + kw], _mm512_loadu_ps(row + kw), sum);
        }
      }
      _mm512_storeu_ps(plane_buffer_.data() + p, sum);
    }
  }

  // grad(f, kh*K + kw) += <delta plane, input shifted by (kh, kw)>, a kernel
  // row at a time: each delta block is loaded once for K taps.
  template <int K>
  void AddTapSums(int f, Matrix* grad) const {
    for (int kh = 0; kh < K; ++kh) {
      const float* row = padded_.data() + static_cast<size_t>(kh) * stride_;
      __m512 sums[K];
#pragma GCC unroll 5
      for (int kw = 0; kw < K; ++kw) sums[kw] = _mm512_setzero_ps();
      for (Eigen::Index p = 0; p < blocks_end_; p += kBlock) {
        const __m512 delta = _mm512_loadu_ps(plane_buffer_.data() + p);
#pragma GCC unroll 5
        for (int kw = 0; kw < K; ++kw) {
          sums[kw] = _mm512_fmadd_ps(delta, _mm512_loadu_ps(row + p + kw), sums[kw]);
        }
      }
      for (int kw = 0; kw < K; ++kw) (*grad)(f, kh * K + kw) += _mm512_reduce_add_ps(sums[kw]);
    }
  }
#else
  template <int K>
  void FilterPlane(const Matrix& weight, const Vector& bias, int f) {
    FilterPlaneAnyKernel(weight, bias, f);
  }

  template <int K>
  void AddTapSums(int f, Matrix* grad) const {
    AddTapSumsAnyKernel(f, grad);
  }
#endif

  // FilterPlane and AddTapSums for any kernel size, as whole-plane Eigen
  // operations.
  void FilterPlaneAnyKernel(const Matrix& weight, const Vector& bias, int f) {
    const int k = g_.kernel;
    Eigen::Map<Eigen::ArrayXf> sum(plane_buffer_.data(), plane_);
    sum.setConstant(bias(f));
    for (int kh = 0; kh < k; ++kh) {
      for (int kw = 0; kw < k; ++kw) sum += weight(f, kh * k + kw) * Shifted(kh, kw);
    }
  }

  void AddTapSumsAnyKernel(int f, Matrix* grad) const {
    const int k = g_.kernel;
    const Eigen::Map<const Eigen::ArrayXf> delta(plane_buffer_.data(), plane_);
    for (int kh = 0; kh < k; ++kh) {
      for (int kw = 0; kw < k; ++kw) (*grad)(f, kh * k + kw) += (delta * Shifted(kh, kw)).sum();
    }
  }

  Eigen::Map<const Eigen::ArrayXf> Shifted(int kh, int kw) const {
    return Eigen::Map<const Eigen::ArrayXf>(padded_.data() + static_cast<size_t>(kh) * stride_ + kw,
                                            plane_);
  }

  const Conv2dGeometry g_;
  const int stride_;
  const Eigen::Index plane_;
  const Eigen::Index blocks_end_;  // plane_ rounded up to whole blocks
  std::vector<float> padded_;
  std::vector<float> plane_buffer_;
};

}  // namespace

void Conv2dForward(const Conv2dGeometry& g, const Matrix& weight, const Vector& bias,
                   const Matrix& input, Matrix* out) {
  const int samples = static_cast<int>(input.cols());
  out->resize(g.output_size(), samples);
  if (IsDirect(g)) {
#pragma omp parallel
    {
      DirectPlanes planes(g);
#pragma omp for schedule(static)
      for (int j = 0; j < samples; ++j) {
        planes.Load(input.col(j).data());
        planes.Forward(weight, bias, out->col(j).data());
      }
    }
    return;
  }
  // A chunk's (filters x n*P) product is its (filters*P x n) block of the
  // batch matrix in the same memory (see the layout above).
  ForEachChunk(g, samples, [&](int first, int n, Matrix* patches) {
    Im2ColChunk(g, input, first, n, patches);
    Eigen::Map<Matrix> per_position(out->col(first).data(), g.filters, patches->cols());
    MultiplyInto(weight, false, *patches, false, 0.0f, per_position);
    per_position.colwise() += bias;
  });
}

void Conv2dTranspose(const Conv2dGeometry& g, const Matrix& weight, const Matrix& out_grad,
                     Matrix* input_grad) {
  const int samples = static_cast<int>(out_grad.cols());
  const int out_height = g.out_height(), out_width = g.out_width();
  const int positions = out_height * out_width;
  input_grad->setZero(g.input_size(), samples);
  ForEachChunk(g, samples, [&](int first, int n, Matrix* patches) {
    const Eigen::Map<const Matrix> per_position(out_grad.col(first).data(), g.filters,
                                                static_cast<Eigen::Index>(n) * positions);
    Multiply(weight, true, per_position, false, patches);
    for (int j = 0; j < n; ++j) {
      Col2ImSample(g, out_height, out_width,
                   patches->col(static_cast<Eigen::Index>(j) * positions).data(),
                   input_grad->col(first + j).data());
    }
  });
}

namespace {

// SumOfChunks (core/gemm.h) over consecutive chunks of ChunkSamples(g)
// samples: body(first, n, &scratch, &partial) adds samples [first, first +
// n). `Scratch` is per-thread state built from g (a patch buffer, or
// DirectPlanes), one per thread of this call rather than per chunk: made per
// chunk, DirectPlanes cost conv1's 64-sample kernel gradient 15%. The
// scratch belongs to this call, so calls from the threads of an enclosing
// parallel region (backprop's slices) do not share it.
template <typename Scratch, typename Body>
Matrix SumOverSampleChunks(const Conv2dGeometry& g, int samples, Eigen::Index rows,
                           Eigen::Index cols, Body body) {
  const int chunk = ChunkSamples(g);
  std::vector<Scratch> scratch(omp_get_max_threads(), Scratch(g));
  return SumOfChunks(
      (samples + chunk - 1) / chunk, rows, cols, [&](Eigen::Index c, Matrix* partial) {
        const int first = static_cast<int>(c) * chunk;
        body(first, std::min(chunk, samples - first), &scratch[omp_get_thread_num()], partial);
      });
}

// Per-thread scratch of the im2col paths: one chunk's patch matrix and its
// row sums.
struct PatchBuffer {
  explicit PatchBuffer(const Conv2dGeometry&) {}
  Matrix patches;
  Vector sums;
};

}  // namespace

void Conv2dKernelGradient(const Conv2dGeometry& g, const Matrix& input, const Matrix& out_grad,
                          Matrix* weight_grad) {
  const int samples = static_cast<int>(input.cols());
  assert(out_grad.size() == static_cast<Eigen::Index>(g.output_size()) * samples);
  if (IsDirect(g)) {
    *weight_grad = SumOverSampleChunks<DirectPlanes>(
        g, samples, g.filters, g.patch_size(),
        [&](int first, int n, DirectPlanes* planes, Matrix* partial) {
          for (int j = first; j < first + n; ++j) {
            planes->Load(input.col(j).data());
            planes->AddKernelGradient(
                out_grad.data() + static_cast<Eigen::Index>(j) * g.output_size(), partial);
          }
        });
    return;
  }
  *weight_grad = SumOverSampleChunks<PatchBuffer>(
      g, samples, g.filters, g.patch_size(),
      [&](int first, int n, PatchBuffer* buffer, Matrix* partial) {
        Im2ColChunk(g, input, first, n, &buffer->patches);
        const Eigen::Map<const Matrix> per_position(
            out_grad.data() + static_cast<Eigen::Index>(first) * g.output_size(), g.filters,
            buffer->patches.cols());
        MultiplyInto(per_position, false, buffer->patches, true, 1.0f, *partial);
      });
}

void Conv2dPatchGram(const Conv2dGeometry& g, const Matrix& input, Matrix* gram, Vector* sums) {
  const int samples = static_cast<int>(input.cols());
  const Eigen::Index patch = g.patch_size();
  // Column `patch` of each partial holds the chunk's window sums.
  const Matrix both = SumOverSampleChunks<PatchBuffer>(
      g, samples, patch, patch + 1, [&](int first, int n, PatchBuffer* buffer, Matrix* partial) {
        Im2ColChunk(g, input, first, n, &buffer->patches);
        const Matrix& patches = buffer->patches;
        AddToLowerGram(patches, partial->leftCols(patch));
        RowSums(patches, &buffer->sums);
        partial->col(patch) += buffer->sums;
      });
  *gram = both.leftCols(patch);
  MirrorLowerTriangle(gram);
  *sums = both.col(patch);
}

// Both pooling loops walk raw HWC rows: Eigen segments of `channels` floats
// cost more than the arithmetic (profiled in the LeNet-5 X_1 block).
void AvgPool2x2(int channels, int height, int width, const Matrix& input, Matrix* out) {
  const int out_h = height / 2, out_w = width / 2;
  out->resize(static_cast<Eigen::Index>(channels) * out_h * out_w, input.cols());
  const int row = width * channels;  // floats per input row
#pragma omp parallel for schedule(static)
  for (Eigen::Index j = 0; j < input.cols(); ++j) {
    float* pooled = out->col(j).data();
    for (int oh = 0; oh < out_h; ++oh) {
      const float* top = input.col(j).data() + 2 * oh * row;
      const float* bottom = top + row;
      for (int ow = 0; ow < out_w; ++ow) {
        const int left = 2 * ow * channels, right = left + channels;
        for (int c = 0; c < channels; ++c) {
          *pooled++ = 0.25f * (top[left + c] + top[right + c] + bottom[left + c] +
                               bottom[right + c]);
        }
      }
    }
  }
}

void AvgPool2x2Transpose(int channels, int height, int width, const Matrix& out_grad,
                         Matrix* input_grad) {
  const int out_h = height / 2, out_w = width / 2;
  // Zero first: an odd last row or column is not pooled and gets no gradient.
  input_grad->setZero(static_cast<Eigen::Index>(channels) * height * width, out_grad.cols());
  const int row = width * channels;
#pragma omp parallel for schedule(static)
  for (Eigen::Index j = 0; j < out_grad.cols(); ++j) {
    const float* pooled = out_grad.col(j).data();
    for (int oh = 0; oh < out_h; ++oh) {
      float* top = input_grad->col(j).data() + 2 * oh * row;
      float* bottom = top + row;
      for (int ow = 0; ow < out_w; ++ow) {
        const int left = 2 * ow * channels, right = left + channels;
        for (int c = 0; c < channels; ++c) {
          const float quarter = 0.25f * *pooled++;
          top[left + c] = quarter;
          top[right + c] = quarter;
          bottom[left + c] = quarter;
          bottom[right + c] = quarter;
        }
      }
    }
  }
}

}  // namespace fln
