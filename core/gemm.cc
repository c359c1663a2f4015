#include "core/gemm.h"

#include <omp.h>

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "third_party/blas.h"
#include "third_party/openblas_kernel.h"

namespace fln {
namespace {

bool IsAvx512OpenBlasCore(const std::string& core) {
  for (const char* name : {"SkylakeX", "Cooperlake", "SapphireRapids"}) {
    if (core == name) return true;
  }
  return false;
}

#ifdef EIGEN_VECTORIZE_AVX512
constexpr bool kEigenHasAvx512 = true;
#else
constexpr bool kEigenHasAvx512 = false;
#endif

template <typename A, typename B>
void EigenProductInto(const A& a, const B& b, float beta, Eigen::Ref<Matrix> c) {
  if (beta == 0.0f) {
    c.noalias() = a * b;
  } else {
    c.noalias() += a * b;
  }
}

constexpr Eigen::Index kChunkFloats = 128 * 1024;
constexpr Eigen::Index kMinChunkColumns = 512;

Eigen::Index ChunkColumns(Eigen::Index input_rows) {
  return std::max(kMinChunkColumns, kChunkFloats / std::max<Eigen::Index>(1, input_rows));
}

// Row sums of the rows x cols column-major matrix at `data`: 16 columns at
// a time as one tall column, then folded.
Vector TallRowSums(const float* data, Eigen::Index rows, Eigen::Index cols) {
  constexpr Eigen::Index kColumns = 16;
  const Eigen::Map<const Matrix> m(data, rows, cols);
  const Eigen::Index blocks = cols / kColumns;
  if (blocks < 2) return m.rowwise().sum();
  const Vector tall = Eigen::Map<const Matrix>(data, rows * kColumns, blocks).rowwise().sum();
  return Eigen::Map<const Matrix>(tall.data(), rows, kColumns).rowwise().sum() +
         m.rightCols(cols - blocks * kColumns).rowwise().sum();
}

}  // namespace

GemmEngine ChooseGemmEngine(const char* forced, bool eigen_has_avx512,
                            const std::string& openblas_core) {
  if (forced != nullptr && std::strcmp(forced, "openblas") == 0) return GemmEngine::kOpenBlas;
  if (forced != nullptr && std::strcmp(forced, "eigen") == 0) return GemmEngine::kEigen;
  return eigen_has_avx512 && !IsAvx512OpenBlasCore(openblas_core) ? GemmEngine::kEigen
                                                                  : GemmEngine::kOpenBlas;
}

GemmEngine ChosenGemmEngine() {
  static const GemmEngine engine =
      ChooseGemmEngine(std::getenv("FLN_GEMM"), kEigenHasAvx512, OpenBlasCoreName());
  return engine;
}

std::string GemmEngineName() {
  if (ChosenGemmEngine() == GemmEngine::kOpenBlas) return "OpenBLAS " + OpenBlasCoreName();
  return kEigenHasAvx512 ? "Eigen AVX-512" : "Eigen";
}

void MultiplyInto(const Eigen::Ref<const Matrix>& a, bool transpose_a,
                  const Eigen::Ref<const Matrix>& b, bool transpose_b, float beta,
                  Eigen::Ref<Matrix> c, GemmEngine engine) {
  assert(c.rows() == (transpose_a ? a.cols() : a.rows()));
  assert(c.cols() == (transpose_b ? b.rows() : b.cols()));
  assert(beta == 0.0f || beta == 1.0f);
  if (c.size() == 0) return;
  const Eigen::Index depth = transpose_a ? a.rows() : a.cols();
  if (depth == 0) {
    if (beta == 0.0f) c.setZero();
    return;
  }
  if (engine == GemmEngine::kOpenBlas) {
    const int m = static_cast<int>(c.rows()), n = static_cast<int>(c.cols());
    const int k = static_cast<int>(depth);
    const int lda = static_cast<int>(a.outerStride()), ldb = static_cast<int>(b.outerStride());
    const int ldc = static_cast<int>(c.outerStride());
    const float one = 1.0f;
    sgemm_(transpose_a ? "T" : "N", transpose_b ? "T" : "N", &m, &n, &k, &one, a.data(), &lda,
           b.data(), &ldb, &beta, c.data(), &ldc);
    return;
  }
  if (transpose_a && transpose_b) {
    EigenProductInto(a.transpose(), b.transpose(), beta, c);
  } else if (transpose_a) {
    EigenProductInto(a.transpose(), b, beta, c);
  } else if (transpose_b) {
    EigenProductInto(a, b.transpose(), beta, c);
  } else {
    EigenProductInto(a, b, beta, c);
  }
}

void Multiply(const Eigen::Ref<const Matrix>& a, bool transpose_a,
              const Eigen::Ref<const Matrix>& b, bool transpose_b, Matrix* c) {
  c->resize(transpose_a ? a.cols() : a.rows(), transpose_b ? b.rows() : b.cols());
  MultiplyInto(a, transpose_a, b, transpose_b, 0.0f, *c);
}

bool WorthSplittingColumns(Eigen::Index columns, Eigen::Index input_rows, Eigen::Index rows,
                           Eigen::Index cols) {
  return columns >= 8 * ChunkColumns(input_rows) && rows * cols * 8 <= columns * input_rows;
}

Matrix SumOfChunks(Eigen::Index chunks, Eigen::Index rows, Eigen::Index cols,
                   const std::function<void(Eigen::Index, Matrix*)>& accumulate) {
  std::vector<Matrix> partial(std::max<Eigen::Index>(chunks, 1), Matrix::Zero(rows, cols));
#pragma omp parallel for schedule(static)
  for (Eigen::Index c = 0; c < chunks; ++c) accumulate(c, &partial[c]);
  for (Eigen::Index c = 1; c < chunks; ++c) partial[0] += partial[c];
  return std::move(partial[0]);
}

Matrix SumOverColumnChunks(
    Eigen::Index columns, Eigen::Index input_rows, Eigen::Index rows, Eigen::Index cols,
    const std::function<void(Eigen::Index, Eigen::Index, Matrix*)>& accumulate) {
  const Eigen::Index chunk = ChunkColumns(input_rows);
  return SumOfChunks((columns + chunk - 1) / chunk, rows, cols,
                     [&](Eigen::Index c, Matrix* partial) {
                       const Eigen::Index first = c * chunk;
                       accumulate(first, std::min(chunk, columns - first), partial);
                     });
}

void RowSums(const Matrix& m, Vector* sums) {
  if (WorthSplittingColumns(m.cols(), m.rows(), m.rows(), 1)) {
    *sums = SumOverColumnChunks(m.cols(), m.rows(), m.rows(), 1,
                                [&](Eigen::Index first, Eigen::Index count, Matrix* partial) {
                                  partial->col(0) +=
                                      TallRowSums(m.data() + first * m.rows(), m.rows(), count);
                                });
  } else {
    *sums = TallRowSums(m.data(), m.rows(), m.cols());
  }
}

void MultiplyByTransposeInto(const Matrix& a, const Matrix& b, Eigen::Ref<Matrix> c) {
  assert(a.cols() == b.cols() && c.rows() == a.rows() && c.cols() == b.rows());
  if (WorthSplittingColumns(a.cols(), std::max(a.rows(), b.rows()), a.rows(), b.rows())) {
    c = SumOverColumnChunks(a.cols(), std::max(a.rows(), b.rows()), a.rows(), b.rows(),
                            [&](Eigen::Index first, Eigen::Index count, Matrix* partial) {
                              MultiplyInto(a.middleCols(first, count), false,
                                           b.middleCols(first, count), true, 1.0f, *partial);
                            });
    return;
  }
  MultiplyInto(a, false, b, true, 0.0f, c);
}

}  // namespace fln
