// Fuzz target: a text-proto ModelSpec as `fln submit --model` sends it,
// through validation; a spec validation accepts must build a network whose
// forward pass runs (small ones only, to keep each input fast).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/layer_plan.h"
#include "core/network.h"
#include "core/validation.h"
#include "tests/fuzz/parse_text_proto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fln::v1::ModelSpec spec;
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (!fln::ParseTextProtoQuietly(text, &spec)) return 0;
  if (!fln::ValidateModelSpec(spec).ok()) return 0;
  const absl::StatusOr<std::vector<fln::LayerPlan>> plan = fln::PlanLayers(spec);
  if (!plan.ok()) std::abort();  // validation accepted what planning rejects
  if (fln::ParameterCount(*plan) > 200000) return 0;
  absl::StatusOr<fln::Network> net = fln::Network::Create(spec);
  if (!net.ok()) std::abort();
  std::vector<fln::Matrix> activations;
  fln::Matrix logits;
  net->Forward(fln::Matrix::Zero(spec.input_size(), 2), &activations, &logits);
  if (logits.rows() != plan->back().output_size || logits.cols() != 2) std::abort();
  return 0;
}
