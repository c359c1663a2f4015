#include "server/checkpoint_store.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "core/status_macros.h"

namespace fln {
namespace {

constexpr char kMagic[] = "FLNCKPT1";
constexpr size_t kMagicSize = 8;
constexpr size_t kHeaderSize = kMagicSize + 4 + 8;

void PutLittleEndian(uint64_t value, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint64_t GetLittleEndian(const char* p, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  }
  return value;
}

uint32_t Crc32(const std::string& data, size_t offset) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const size_t kStep = 1u << 30;  // zlib takes uInt lengths
  for (size_t pos = offset; pos < data.size(); pos += kStep) {
    const size_t n = std::min(kStep, data.size() - pos);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data() + pos), static_cast<uInt>(n));
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace

std::string CheckpointStore::PathFor(const std::string& job_id) const {
  return absl::StrCat(dir_, "/", job_id, ".ckpt");
}

std::string CheckpointStore::Encode(const v1::Checkpoint& checkpoint) {
  std::string payload;
  checkpoint.SerializeToString(&payload);
  std::string out(kMagic, kMagicSize);
  out.reserve(kHeaderSize + payload.size());
  PutLittleEndian(0, 4, &out);  // CRC placeholder
  PutLittleEndian(payload.size(), 8, &out);
  out += payload;
  const uint32_t crc = Crc32(out, kHeaderSize);
  for (int i = 0; i < 4; ++i) out[kMagicSize + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  return out;
}

absl::StatusOr<v1::Checkpoint> CheckpointStore::Decode(const std::string& bytes,
                                                       const std::string& what) {
  if (bytes.size() < kHeaderSize || std::memcmp(bytes.data(), kMagic, kMagicSize) != 0) {
    return absl::DataLossError(absl::StrCat(what, ": not an fln checkpoint (bad header)"));
  }
  const uint32_t crc = static_cast<uint32_t>(GetLittleEndian(bytes.data() + kMagicSize, 4));
  const uint64_t length = GetLittleEndian(bytes.data() + kMagicSize + 4, 8);
  if (length != bytes.size() - kHeaderSize) {
    return absl::DataLossError(absl::StrCat(what, ": header declares ", length,
                                            " payload bytes, the file holds ",
                                            bytes.size() - kHeaderSize, " (truncated?)"));
  }
  if (Crc32(bytes, kHeaderSize) != crc) {
    return absl::DataLossError(absl::StrCat(what, ": checksum mismatch"));
  }
  v1::Checkpoint checkpoint;
  if (!checkpoint.ParseFromArray(bytes.data() + kHeaderSize, static_cast<int>(length))) {
    return absl::DataLossError(absl::StrCat(what, ": payload does not parse"));
  }
  return checkpoint;
}

absl::Status CheckpointStore::Save(const std::string& job_id,
                                   const v1::Checkpoint& checkpoint) const {
  const absl::Status saved = WriteFileAtomically(env_, PathFor(job_id), Encode(checkpoint));
  if (saved.ok()) return saved;
  // The message reaches clients (a failed job's reason): no server paths.
  return absl::Status(saved.code(),
                      absl::StrReplaceAll(saved.message(), {{dir_ + "/", "checkpoint file "}}));
}

absl::StatusOr<v1::Checkpoint> CheckpointStore::Load(const std::string& job_id) const {
  const std::string path = PathFor(job_id);
  FLN_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(env_, path));
  return Decode(bytes, path);
}

absl::StatusOr<FileVersion> CheckpointStore::Version(const std::string& job_id) const {
  return env_->StatFile(PathFor(job_id));
}

absl::Status CheckpointStore::Delete(const std::string& job_id) const {
  return env_->RemoveRecursively(PathFor(job_id));
}

}  // namespace fln
