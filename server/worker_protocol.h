// File: worker_protocol.h
//
// The byte protocol between flnd and the rank-0 fln_worker of a
// multi-process job (mpi_job_launcher.h). mpirun forwards rank 0's standard
// input and every rank's standard output, so:
//   - rank 0 writes one line per WorkerMessage: kWorkerLinePrefix, the
//     message in base64, '\n' (base64 keeps the line free of newlines and
//     survives mpirun's output forwarding); any other output line is a log
//     line;
//   - flnd writes kCancelLine to stop the run; end of input means flnd is
//     gone, which stops it too.
//
//   std::cout << EncodeWorkerLine(message) << std::flush;
//   absl::StatusOr<std::optional<v1::WorkerMessage>> m = DecodeWorkerLine(line);
#ifndef FLN_SERVER_WORKER_PROTOCOL_H_
#define FLN_SERVER_WORKER_PROTOCOL_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/worker.pb.h"

namespace fln {

inline constexpr absl::string_view kWorkerLinePrefix = "@fln-worker ";
inline constexpr absl::string_view kCancelLine = "cancel";

// The message as one line, '\n' included.
std::string EncodeWorkerLine(const v1::WorkerMessage& message);

// nullopt for a line that is not a worker line (a log line); DATA_LOSS for a
// worker line that does not decode. `line` may end in '\n'.
absl::StatusOr<std::optional<v1::WorkerMessage>> DecodeWorkerLine(absl::string_view line);

}  // namespace fln

#endif  // FLN_SERVER_WORKER_PROTOCOL_H_
