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

// c (m x n) = (a * b^T over columns [first, first + count) of a and b)
// + beta * c, for a with m rows and b with n rows.
void Gemm(const Matrix& a, const Matrix& b, Eigen::Index first, Eigen::Index count, float beta,
          float* c) {
  const int m = static_cast<int>(a.rows()), n = static_cast<int>(b.rows());
  const int k = static_cast<int>(count);
  const float one = 1.0f;
  // Declared by Eigen's BLAS interface (EIGEN_USE_BLAS, //third_party:eigen).
  sgemm_("N", "T", &m, &n, &k, &one, a.data() + first * m, &m, b.data() + first * n, &n, &beta, c,
         &m);
}

}  // namespace

bool WorthSplittingColumns(Eigen::Index columns, Eigen::Index input_rows, Eigen::Index rows,
                           Eigen::Index cols) {
  return columns >= 8 * ChunkColumns(input_rows) && rows * cols * 8 <= columns * input_rows;
}

Matrix SumOverColumnChunks(
    Eigen::Index columns, Eigen::Index input_rows, Eigen::Index rows, Eigen::Index cols,
    const std::function<void(Eigen::Index, Eigen::Index, Matrix*)>& accumulate) {
  const Eigen::Index chunk = ChunkColumns(input_rows);
  const Eigen::Index chunks = (columns + chunk - 1) / chunk;
  std::vector<Matrix> partial(chunks, Matrix::Zero(rows, cols));
#pragma omp parallel for schedule(static)
  for (Eigen::Index c = 0; c < chunks; ++c) {
    const Eigen::Index first = c * chunk;
    accumulate(first, std::min(chunk, columns - first), &partial[c]);
  }
  for (Eigen::Index c = 1; c < chunks; ++c) partial[0] += partial[c];
  return std::move(partial[0]);
}

void MultiplyByTransposeInto(const Matrix& a, const Matrix& b, Matrix* c) {
  assert(a.cols() == b.cols());
  if (WorthSplittingColumns(a.cols(), std::max(a.rows(), b.rows()), a.rows(), b.rows())) {
    *c = SumOverColumnChunks(a.cols(), std::max(a.rows(), b.rows()), a.rows(), b.rows(),
                             [&](Eigen::Index first, Eigen::Index count, Matrix* partial) {
                               Gemm(a, b, first, count, 1.0f, partial->data());
                             });
    return;
  }
  c->resize(a.rows(), b.rows());
  if (c->size() == 0) return;
  if (a.cols() == 0) {
    c->setZero();
    return;
  }
  Gemm(a, b, 0, a.cols(), 0.0f, c->data());
}

}  // namespace fln
