// Fuzz target: the checkpoint reader (server/checkpoint_store.h, Decode) on
// a checkpoint file's bytes; a checkpoint it accepts is loaded the way
// Predict loads one, and a loaded network must run forward.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/network.h"
#include "core/tensor_proto.h"
#include "core/validation.h"
#include "server/checkpoint_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<fln::v1::Checkpoint> checkpoint = fln::CheckpointStore::Decode(bytes, "fuzz");
  if (!checkpoint.ok()) return 0;
  if (!fln::ValidateModelSpec(checkpoint->spec()).ok()) return 0;
  absl::StatusOr<fln::Network> net = fln::Network::Create(checkpoint->spec());
  if (!net.ok()) return 0;
  if (!fln::NetworkFromProto(checkpoint->layers(), &*net).ok()) return 0;
  std::vector<fln::Matrix> activations;
  fln::Matrix logits;
  net->Forward(fln::Matrix::Zero(checkpoint->spec().input_size(), 2), &activations, &logits);
  return 0;
}
