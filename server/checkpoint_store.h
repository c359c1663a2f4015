// File: checkpoint_store.h
//
// One checkpoint file per job, `<dir>/<job_id>.ckpt`, replaced atomically
// after every epoch (file_util.h WriteFileAtomically). The file is
//
//   magic "FLNCKPT1" (8 bytes) | crc32 of payload (uint32 LE)
//   | payload length (uint64 LE) | payload = serialized v1::Checkpoint
//
// so a torn or bit-flipped file is detected on load instead of training or
// predicting from garbage.
//
//   CheckpointStore checkpoints(data_dir + "/checkpoints");
//   FLN_RETURN_IF_ERROR(checkpoints.Save(job_id, checkpoint));
//   FLN_ASSIGN_OR_RETURN(v1::Checkpoint c, checkpoints.Load(job_id));
//
// Thread-safe: concurrent Save calls for the same job are ordered by the
// caller (one trainer per job); Load always sees a whole file.
#ifndef FLN_SERVER_CHECKPOINT_STORE_H_
#define FLN_SERVER_CHECKPOINT_STORE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/model.pb.h"
#include "server/file_util.h"

namespace fln {

class CheckpointStore {
 public:
  // REQUIRES: `dir` exists; `env` outlives the store.
  CheckpointStore(Env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}

  // Durably replaces the job's checkpoint. Errors: file_util.h's (e.g.
  // RESOURCE_EXHAUSTED when the disk is full), naming the file without the
  // server's directory; the old file is then intact.
  absl::Status Save(const std::string& job_id, const v1::Checkpoint& checkpoint) const;

  // NOT_FOUND if the job has no checkpoint; DATA_LOSS (naming the file) for a
  // bad magic, a length or CRC mismatch, or an unparsable payload.
  absl::StatusOr<v1::Checkpoint> Load(const std::string& job_id) const;

  // Version of the current file (changes with every Save); NOT_FOUND if none.
  absl::StatusOr<FileVersion> Version(const std::string& job_id) const;

  // OK if there was nothing to delete.
  absl::Status Delete(const std::string& job_id) const;

  std::string PathFor(const std::string& job_id) const;

  // Encoding helpers, exposed for tests and tools.
  static std::string Encode(const v1::Checkpoint& checkpoint);
  static absl::StatusOr<v1::Checkpoint> Decode(const std::string& bytes,
                                               const std::string& what);

 private:
  Env* const env_;
  const std::string dir_;
};

}  // namespace fln

#endif  // FLN_SERVER_CHECKPOINT_STORE_H_
