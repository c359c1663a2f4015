#include "core/block_solver.h"

#include <cmath>
#include <utility>

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
  switch (axis) {
    case GroupAxis::kColumns:
      *out = a + (a - b) * coef.asDiagonal();
      break;
    case GroupAxis::kRows:
      *out = a + coef.asDiagonal() * (a - b);
      break;
    case GroupAxis::kWhole:
      *out = a + coef(0) * (a - b);
      break;
  }
}

// dst's group g = src's group g.
void CopyGroup(GroupAxis axis, Eigen::Index g, const Matrix& src, Matrix* dst) {
  switch (axis) {
    case GroupAxis::kColumns: dst->col(g) = src.col(g); break;
    case GroupAxis::kRows: dst->row(g) = src.row(g); break;
    case GroupAxis::kWhole: *dst = src; break;
  }
}

}  // namespace

BlockSolveResult SolveBlock(const BlockProblem& problem, const BlockSolverSettings& settings,
                            Matrix* z_io, Matrix* p_out) {
  const GroupAxis axis = problem.axis();
  Matrix x = std::move(*z_io);
  Matrix px;
  problem.Map(x, &px);
  Vector fx;
  problem.GroupObjectives(x, px, &fx);

  BlockSolveResult result;
  result.initial_objective = fx.cast<double>().sum();
  double objective = result.initial_objective;

  const Eigen::Index groups = GroupCount(axis, x);
  Vector t = Vector::Ones(groups);         // FISTA sequence per group
  Vector momentum = Vector::Zero(groups);  // extrapolation coefficient
  Matrix y = x, py = px;
  Matrix grad, z, pz, x_prev, px_prev;
  Vector fz;

  for (int it = 0; it < settings.max_iterations; ++it) {
    problem.Gradient(y, py, &grad);
    problem.Step(y, grad, &z);
    problem.Map(z, &pz);
    problem.GroupObjectives(z, pz, &fz);
    ++result.iterations;

    const bool stepped_from_x = momentum.isZero();
    x_prev = x;
    px_prev = px;
    bool any_accepted = false;
    for (Eigen::Index g = 0; g < groups; ++g) {
      if (fz(g) <= fx(g)) {
        CopyGroup(axis, g, z, &x);
        CopyGroup(axis, g, pz, &px);
        fx(g) = fz(g);
        any_accepted = true;
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
    if (!any_accepted && stepped_from_x) break;
    if (settings.tolerance > 0 && decrease <= settings.tolerance * std::abs(objective)) break;

    if (settings.accelerate) {
      Extrapolate(axis, momentum, x, x_prev, &y);
      Extrapolate(axis, momentum, px, px_prev, &py);
    } else {
      y = x;
      py = px;
    }
  }
  result.final_objective = objective;
  *z_io = std::move(x);
  if (p_out != nullptr) *p_out = std::move(px);
  return result;
}

float SquaredSpectralNorm(const Matrix& m) {
  if (m.size() == 0) return 0.0f;
  // Power iteration on the smaller Gram matrix.
  const bool use_rows = m.rows() <= m.cols();
  const Eigen::Index n = use_rows ? m.rows() : m.cols();
  Vector v = Vector::Ones(n) / std::sqrt(static_cast<float>(n));
  Vector w;
  double eigenvalue = 0;
  for (int it = 0; it < 100; ++it) {
    if (use_rows) {
      w = m * (m.transpose() * v);
    } else {
      w = m.transpose() * (m * v);
    }
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

}  // namespace fln
