#include "core/gemm.h"

#include <omp.h>

#include <algorithm>
#include <cassert>
#include <vector>

namespace fln {
namespace {

constexpr Eigen::Index kChunkFloats = 128 * 1024;
constexpr Eigen::Index kMinChunkColumns = 512;

Eigen::Index ChunkColumns(Eigen::Index input_rows) {
  return std::max(kMinChunkColumns, kChunkFloats / std::max<Eigen::Index>(1, input_rows));
}

// c (m x n, column stride ldc) = (a * b^T over columns [first, first +
// count) of a and b) + beta * c, for a with m rows and b with n rows.
void Gemm(const Matrix& a, const Matrix& b, Eigen::Index first, Eigen::Index count, float beta,
          float* c, Eigen::Index ldc) {
  const int m = static_cast<int>(a.rows()), n = static_cast<int>(b.rows());
  const int k = static_cast<int>(count), ld = static_cast<int>(ldc);
  const float one = 1.0f;
  // Declared by Eigen's BLAS interface (EIGEN_USE_BLAS, //third_party:eigen).
  sgemm_("N", "T", &m, &n, &k, &one, a.data() + first * m, &m, b.data() + first * n, &n, &beta, c,
         &ld);
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
                              Gemm(a, b, first, count, 1.0f, partial->data(), a.rows());
                            });
    return;
  }
  if (c.size() == 0) return;
  if (a.cols() == 0) {
    c.setZero();
    return;
  }
  Gemm(a, b, 0, a.cols(), 0.0f, c.data(), c.outerStride());
}

}  // namespace fln
