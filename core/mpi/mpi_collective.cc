#include "core/mpi/mpi_collective.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace fln {

absl::StatusOr<std::unique_ptr<MpiRuntime>> MpiRuntime::Init(int* argc, char*** argv) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) return absl::FailedPreconditionError("MPI is initialised already");
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
    return absl::InternalError("MPI_Init_thread failed");
  }
  std::unique_ptr<MpiRuntime> runtime(new MpiRuntime());
  if (provided < MPI_THREAD_SERIALIZED) {
    return absl::FailedPreconditionError(
        absl::StrCat("MPI grants thread level ", provided, ", need MPI_THREAD_SERIALIZED"));
  }
  return runtime;
}

MpiRuntime::~MpiRuntime() { MPI_Finalize(); }

bool LaunchedByMpirun() { return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr; }

MpiCollective::MpiCollective(MPI_Comm communicator) {
  MPI_Comm_dup(communicator, &communicator_);
  MPI_Comm_size(communicator_, &size_);
  MPI_Comm_rank(communicator_, &rank_);
}

MpiCollective::~MpiCollective() { MPI_Comm_free(&communicator_); }

void MpiCollective::AllReduceSum(float* data, size_t n) {
  Reduce(data, n, MPI_FLOAT, sizeof(float));
}

void MpiCollective::AllReduceSum(double* data, size_t n) {
  Reduce(data, n, MPI_DOUBLE, sizeof(double));
}

void MpiCollective::Reduce(void* data, size_t n, MPI_Datatype type, size_t element_bytes) {
  const auto start = std::chrono::steady_clock::now();
  // MPI counts are int: reduce larger buffers in pieces.
  char* bytes = static_cast<char*>(data);
  for (size_t done = 0; done < n;) {
    const size_t count = std::min<size_t>(n - done, INT_MAX);
    MPI_Allreduce(MPI_IN_PLACE, bytes + done * element_bytes, static_cast<int>(count), type,
                  MPI_SUM, communicator_);
    done += count;
  }
  stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stats_.calls += 1;
  stats_.bytes += static_cast<int64_t>(n * element_bytes);
}

}  // namespace fln
