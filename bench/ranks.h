// File: ranks.h
//
// fln_bench's view of a data-parallel run: under mpirun it initialises MPI
// and trains through an MpiCollective; started alone it is one rank with no
// MPI at all. Bench-side sums (FLOPs, CPU time) go through Ranks' own
// reductions, so the all-reduce figures count training traffic only.
//
//   absl::StatusOr<std::unique_ptr<Ranks>> ranks = Ranks::Create(&argc, &argv);
//   hooks.collective = (*ranks)->collective();   // null when alone
//   if ((*ranks)->is_root()) print(...);
#ifndef FLN_BENCH_RANKS_H_
#define FLN_BENCH_RANKS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "core/mpi/mpi_collective.h"

namespace fln {

class Ranks {
 public:
  // Initialises MPI when LaunchedByMpirun(). Errors: MpiRuntime::Init's.
  static absl::StatusOr<std::unique_ptr<Ranks>> Create(int* argc, char*** argv);
  ~Ranks();

  // Null when alone (Train then uses LocalCollective).
  MpiCollective* collective() { return collective_.get(); }
  int size() const { return collective_ ? collective_->size() : 1; }
  int rank() const { return collective_ ? collective_->rank() : 0; }
  bool is_root() const { return rank() == 0; }

  // Sum and maximum of `value` over the ranks, outside collective()'s
  // statistics. Every rank must call them at the same point.
  double Sum(double value) const;
  double Max(double value) const;

 private:
  Ranks() = default;
  std::unique_ptr<MpiRuntime> runtime_;
  std::unique_ptr<MpiCollective> collective_;
};

}  // namespace fln

#endif  // FLN_BENCH_RANKS_H_
