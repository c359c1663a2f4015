#include "core/block_solver.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace fln {
namespace {

Eigen::Index GroupCount(GroupAxis axis, const Matrix& z) {
  switch (axis) {
    case GroupAxis::kColumns: return z.cols();
    case GroupAxis::kRows: return z.rows();
    case GroupAxis::kWhole: return 1;
  }
  return 1;
}

// out = a + diag(coef) (a - b), the coefficients applied per group. The map
// A preserves the grouping (column j of A(Z) depends only on column j of Z
// for X-blocks, row i on row i for W-blocks), so the same formula
// extrapolates both Z and A(Z).
void Extrapolate(GroupAxis axis, const Vector& coef, const Matrix& a, const Matrix& b,
                 Matrix* out) {
  out->resize(a.rows(), a.cols());
  switch (axis) {
    case GroupAxis::kColumns:
#pragma omp parallel for schedule(static) if (a.size() > 32768)
      for (Eigen::Index j = 0; j < a.cols(); ++j) {
        out->col(j) = a.col(j) + coef(j) * (a.col(j) - b.col(j));
      }
      break;
    case GroupAxis::kRows:
      *out = a + coef.asDiagonal() * (a - b);
      break;
    case GroupAxis::kWhole:
      *out = a + coef(0) * (a - b);
      break;
  }
}

// Swaps group g of a and b.
void SwapGroup(GroupAxis axis, Eigen::Index g, Matrix* a, Matrix* b) {
  switch (axis) {
    case GroupAxis::kColumns: a->col(g).swap(b->col(g)); break;
    case GroupAxis::kRows: a->row(g).swap(b->row(g)); break;
    case GroupAxis::kWhole: a->swap(*b); break;
  }
}

// The monotone accelerated iteration on one (sub-)problem.
BlockSolveResult SolveWhole(const BlockProblem& problem, const BlockSolverSettings& settings,
                            Matrix* z_io, Matrix* p_io, bool p_is_current) {
  const GroupAxis axis = problem.axis();
  Matrix x = std::move(*z_io);
  Matrix px;
  if (p_io != nullptr && p_is_current) {
    px = std::move(*p_io);
  } else {
    problem.Map(x, &px);
  }
  Vector fx;
  problem.GroupObjectives(x, px, &fx);

  BlockSolveResult result;
  result.initial_objective = fx.cast<double>().sum();
  double objective = result.initial_objective;

  const Eigen::Index groups = GroupCount(axis, x);
  Vector t = Vector::Ones(groups);         // FISTA sequence per group
  Vector momentum = Vector::Zero(groups);  // extrapolation coefficient
  // The extrapolated point; while every momentum is 0 it is x itself, and is
  // not copied (a conv W-block's A(x) is the whole batch's pre-activations).
  Matrix y, py;
  bool y_is_x = true;
  Matrix grad, z, pz;
  Vector fz;

  for (int it = 0; it < settings.max_iterations; ++it) {
    problem.Gradient(y_is_x ? x : y, y_is_x ? px : py, &grad);
    problem.Step(y_is_x ? x : y, grad, &z);
    problem.Map(z, &pz);
    problem.GroupObjectives(z, pz, &fz);
    ++result.iterations;

    const bool stepped_from_x = momentum.isZero();
    Eigen::Index accepted = 0;
    for (Eigen::Index g = 0; g < groups; ++g) accepted += fz(g) <= fx(g) ? 1 : 0;
    // Accepted groups: x takes z's group and z keeps the previous x for the
    // extrapolation below; whole matrices swap in O(1) when all are accepted
    // (a row swap of a wide W-block strides through the whole matrix).
    if (accepted == groups) {
      x.swap(z);
      px.swap(pz);
    }
    for (Eigen::Index g = 0; g < groups; ++g) {
      if (fz(g) <= fx(g)) {
        if (accepted < groups) {
          SwapGroup(axis, g, &x, &z);
          SwapGroup(axis, g, &px, &pz);
        }
        fx(g) = fz(g);
        if (settings.accelerate) {
          const float t_next = 0.5f * (1.0f + std::sqrt(1.0f + 4.0f * t(g) * t(g)));
          momentum(g) = (t(g) - 1.0f) / t_next;
          t(g) = t_next;
        }
      } else {
        // Restart: the next step is a plain step from x, which cannot increase f.
        t(g) = 1.0f;
        momentum(g) = 0.0f;
      }
    }
    const double new_objective = fx.cast<double>().sum();
    const double decrease = objective - new_objective;
    objective = new_objective;
    // A plain step from x that no group accepts: no progress is possible at
    // float precision.
    if (accepted == 0 && stepped_from_x) break;
    if (settings.tolerance > 0 && decrease <= settings.tolerance * std::abs(objective)) break;
    if (it + 1 == settings.max_iterations) break;

    // y = x + momentum (x - x_previous); rejected groups have momentum 0.
    y_is_x = momentum.isZero();
    if (!y_is_x) {
      Extrapolate(axis, momentum, x, z, &y);
      Extrapolate(axis, momentum, px, pz, &py);
    }
  }
  result.final_objective = objective;
  *z_io = std::move(x);
  if (p_io != nullptr) *p_io = std::move(px);
  return result;
}

// Independent column tiles, each solved in cache by one thread. Tiles are
// fixed, so the result does not depend on the number of threads.
BlockSolveResult SolveTiles(const BlockProblem& problem, const BlockSolverSettings& settings,
                            Matrix* z_io, Matrix* p_io, bool p_is_current) {
  const Eigen::Index cols = z_io->cols();
  const Eigen::Index tile_columns = problem.column_tile();
  const Eigen::Index tiles = (cols + tile_columns - 1) / tile_columns;
  if (p_io != nullptr && !p_is_current) problem.Map(*z_io, p_io);
  Matrix p_local;
  Matrix* p = p_io != nullptr ? p_io : &p_local;
  if (p_io == nullptr) problem.Map(*z_io, p);
  std::vector<BlockSolveResult> results(tiles);
#pragma omp parallel for schedule(dynamic, 1)
  for (Eigen::Index t = 0; t < tiles; ++t) {
    const Eigen::Index begin = t * tile_columns;
    const Eigen::Index count = std::min(tile_columns, cols - begin);
    const std::unique_ptr<BlockProblem> tile = problem.ColumnSlice(begin, count);
    Matrix z = z_io->middleCols(begin, count);
    Matrix pz = p->middleCols(begin, count);
    results[t] = SolveWhole(*tile, settings, &z, &pz, /*p_is_current=*/true);
    z_io->middleCols(begin, count) = z;
    p->middleCols(begin, count) = pz;
  }
  BlockSolveResult total;
  for (const BlockSolveResult& r : results) {  // fixed order: deterministic sums
    total.initial_objective += r.initial_objective;
    total.final_objective += r.final_objective;
    total.iterations = std::max(total.iterations, r.iterations);
  }
  return total;
}

}  // namespace

BlockSolveResult SolveBlock(const BlockProblem& problem, const BlockSolverSettings& settings,
                            Matrix* z, Matrix* p, bool p_is_current) {
  if (problem.axis() == GroupAxis::kColumns && z->cols() > problem.column_tile() &&
      problem.ColumnSlice(0, 1) != nullptr) {
    return SolveTiles(problem, settings, z, p, p_is_current);
  }
  return SolveWhole(problem, settings, z, p, p_is_current);
}

float LargestEigenvalue(Eigen::Index n,
                        const std::function<void(const Matrix&, Matrix*)>& apply) {
  if (n == 0) return 0.0f;
  Matrix v = Matrix::Ones(n, 1) / std::sqrt(static_cast<float>(n));
  Matrix w;
  double eigenvalue = 0;
  for (int it = 0; it < 100; ++it) {
    apply(v, &w);
    const double norm = w.norm();
    if (norm == 0) return 0.0f;
    const double previous = eigenvalue;
    eigenvalue = norm;
    v = w / static_cast<float>(norm);
    if (std::abs(eigenvalue - previous) <= 1e-4 * eigenvalue) break;
  }
  // Power iteration approaches from below; a small margin keeps 1/L a safe step.
  return static_cast<float>(eigenvalue * 1.02);
}

float SquaredSpectralNorm(const Matrix& m) {
  if (m.size() == 0) return 0.0f;
  // Power iteration on the smaller Gram matrix.
  if (m.rows() <= m.cols()) {
    return LargestEigenvalue(m.rows(), [&](const Matrix& v, Matrix* w) {
      *w = m * (m.transpose() * v);
    });
  }
  return LargestEigenvalue(m.cols(), [&](const Matrix& v, Matrix* w) {
    *w = m.transpose() * (m * v);
  });
}

}  // namespace fln
