// File: mpi_collective.h
//
// Collective (core/collective.h) over Open MPI, for data-parallel training
// across processes and machines (docs/method.md, "Parallelism"). Only targets
// that run under mpirun link this library; the rest of core/ has no MPI.
//
//   absl::StatusOr<std::unique_ptr<MpiRuntime>> mpi = MpiRuntime::Init(&argc, &argv);
//   if (!mpi.ok()) ...;
//   MpiCollective collective;            // MPI_COMM_WORLD
//   TrainingHooks hooks;
//   hooks.collective = &collective;      // every rank calls Train the same way
//   ... Train(spec, schedule, train, &test, hooks) ...
//   collective.stats();                  // all-reduce calls, bytes, seconds
//
// Failure: MPI's default error handler aborts the whole job on any MPI error;
// mpirun also ends every rank when one dies, so no rank waits forever in an
// all-reduce.
#ifndef FLN_CORE_MPI_MPI_COLLECTIVE_H_
#define FLN_CORE_MPI_MPI_COLLECTIVE_H_

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "core/collective.h"

namespace fln {

// MPI_Init_thread on construction, MPI_Finalize on destruction; one per
// process, created before any MpiCollective and destroyed after the last.
class MpiRuntime {
 public:
  // Asks for MPI_THREAD_SERIALIZED: training may call MPI from one thread
  // that is not main (as a server's job thread does), never from two at once.
  // Errors: FAILED_PRECONDITION if MPI was initialised already or grants less
  // than SERIALIZED; INTERNAL if MPI_Init_thread fails.
  static absl::StatusOr<std::unique_ptr<MpiRuntime>> Init(int* argc, char*** argv);
  ~MpiRuntime();

  MpiRuntime(const MpiRuntime&) = delete;
  MpiRuntime& operator=(const MpiRuntime&) = delete;

 private:
  MpiRuntime() = default;
};

// True when this process was started by mpirun (Open MPI sets
// OMPI_COMM_WORLD_SIZE), so a binary can run alone without initialising MPI.
bool LaunchedByMpirun();

// What the all-reduces of a run cost this rank.
struct CollectiveStats {
  int64_t calls = 0;
  int64_t bytes = 0;     // payload: elements x element size, per call summed
  double seconds = 0;    // wall time inside MPI_Allreduce (includes waiting for peers)
};

class MpiCollective final : public Collective {
 public:
  // Works on a duplicate of `communicator` (no interference with other MPI
  // users of it). REQUIRES: an MpiRuntime exists.
  explicit MpiCollective(MPI_Comm communicator = MPI_COMM_WORLD);
  ~MpiCollective() override;

  // MPI_Allreduce(MPI_IN_PLACE, ..., MPI_SUM). Open MPI's reduction
  // algorithms give every rank the same bits for a commutative sum, so ranks
  // that start a batch with the same weights end it with the same weights
  // (checked by tests/mpi).
  void AllReduceSum(float* data, size_t n) override;
  void AllReduceSum(double* data, size_t n) override;
  using Collective::AllReduceSum;

  int size() const override { return size_; }
  int rank() const override { return rank_; }

  const CollectiveStats& stats() const { return stats_; }
  void ResetStats() { stats_ = CollectiveStats(); }

 private:
  void Reduce(void* data, size_t n, MPI_Datatype type, size_t element_bytes);

  MPI_Comm communicator_;
  int size_ = 1;
  int rank_ = 0;
  CollectiveStats stats_;
};

}  // namespace fln

#endif  // FLN_CORE_MPI_MPI_COLLECTIVE_H_
