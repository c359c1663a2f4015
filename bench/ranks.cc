#include "bench/ranks.h"

#include <utility>

namespace fln {

absl::StatusOr<std::unique_ptr<Ranks>> Ranks::Create(int* argc, char*** argv) {
  std::unique_ptr<Ranks> ranks(new Ranks());
  if (!LaunchedByMpirun()) return ranks;
  absl::StatusOr<std::unique_ptr<MpiRuntime>> runtime = MpiRuntime::Init(argc, argv);
  if (!runtime.ok()) return runtime.status();
  ranks->runtime_ = std::move(*runtime);
  ranks->collective_ = std::make_unique<MpiCollective>();
  return ranks;
}

// The collective goes before MPI_Finalize.
Ranks::~Ranks() { collective_.reset(); }

double Ranks::Sum(double value) const {
  if (collective_ == nullptr) return value;
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  return value;
}

double Ranks::Max(double value) const {
  if (collective_ == nullptr) return value;
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return value;
}

}  // namespace fln
