// File: block_solver.h
//
// A monotone accelerated first-order solver for the convex FLN blocks
// (docs/method.md, "The blocks" and "Solvers and their defaults").
//
// Every block has the form  min_Z  sum_g f_g(Z, A(Z))  where A is affine
// (A(Z) = W Z + b for X-blocks, Z [X; 1] for W-blocks) and the objective
// separates into independent groups g: the columns (samples) of an X-block,
// the rows (neurons) of a hidden W-block, or one group for the softmax block.
//
// Each iteration takes the problem's own step (a projected gradient step with
// a Lipschitz constant, or a step in a preconditioning metric that majorises
// the Hessian) from a Nesterov-extrapolated point, then accepts the result
// group by group only if that group's objective did not increase; a rejected
// group restarts its momentum. Hence the block objective never increases,
// and because A is affine, A(Y) is extrapolated from stored A(Z) values:
// one application of A per iteration.
#ifndef FLN_CORE_BLOCK_SOLVER_H_
#define FLN_CORE_BLOCK_SOLVER_H_

#include <functional>
#include <memory>

#include "core/matrix.h"

namespace fln {

enum class GroupAxis { kColumns, kRows, kWhole };

// Default columns per tile when a column-separable block is solved tile by
// tile (BlockProblem::column_tile).
inline constexpr Eigen::Index kColumnTile = 32;

class BlockProblem {
 public:
  virtual ~BlockProblem() = default;

  // How the objective separates into independent groups.
  virtual GroupAxis axis() const = 0;

  // p = A(z).
  virtual void Map(const Matrix& z, Matrix* p) const = 0;

  // values(g) = f_g(z, p) for each group; p = A(z).
  virtual void GroupObjectives(const Matrix& z, const Matrix& p, Vector* values) const = 0;

  // grad = gradient of the objective at z; p = A(z).
  virtual void Gradient(const Matrix& z, const Matrix& p, Matrix* grad) const = 0;

  // z = the minimiser of the problem's quadratic upper model around y
  // (projected Lipschitz step, or a step in a majorising metric). Must
  // guarantee f(z) <= f(y) for each group.
  virtual void Step(const Matrix& y, const Matrix& grad, Matrix* z) const = 0;

  // kColumns problems may return the independent sub-problem of columns
  // [begin, begin + count), which lets SolveBlock solve column tiles in
  // parallel, each in cache. nullptr (the default) solves the whole block.
  virtual std::unique_ptr<BlockProblem> ColumnSlice(Eigen::Index /*begin*/,
                                                    Eigen::Index /*count*/) const {
    return nullptr;
  }

  // Columns per tile for ColumnSlice. It must depend on the problem's shape
  // only, never on the thread count, so that results do not either.
  virtual Eigen::Index column_tile() const { return kColumnTile; }
};

struct BlockSolverSettings {
  int max_iterations = 20;
  // Stop when an iteration lowers the objective by less than
  // tolerance * |objective| (0: always run max_iterations).
  double tolerance = 0;
  // Nesterov extrapolation (FISTA); false gives plain monotone steps.
  bool accelerate = true;
};

struct BlockSolveResult {
  double initial_objective = 0;
  double final_objective = 0;
  int iterations = 0;
};

// Minimises `problem` starting from *z, which receives the solution. If `p`
// is non-null it receives A(solution); if also `p_is_current`, *p already
// holds A(*z) on entry and the solver skips that product. A problem with a
// ColumnSlice is solved as independent tiles of kColumnTile columns spread
// over the OpenMP threads; `tolerance` then applies per tile and
// `iterations` is the largest tile's count.
BlockSolveResult SolveBlock(const BlockProblem& problem, const BlockSolverSettings& settings,
                            Matrix* z, Matrix* p = nullptr, bool p_is_current = false);

// Largest eigenvalue of m^T m (squared spectral norm of m) by power
// iteration from a fixed start, so the result is deterministic. Slightly
// inflated to be safe as a Lipschitz constant.
float SquaredSpectralNorm(const Matrix& m);

// Largest eigenvalue of a symmetric PSD operator of size n, given as
// apply(v, &w) computing w = M v, by power iteration from a fixed start,
// inflated by the same safety margin. SquaredSpectralNorm uses it.
float LargestEigenvalue(Eigen::Index n, const std::function<void(const Matrix&, Matrix*)>& apply);

}  // namespace fln

#endif  // FLN_CORE_BLOCK_SOLVER_H_
