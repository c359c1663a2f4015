// Fuzz target: a text-proto Schedule as `fln submit --schedule` sends it,
// through WithDefaults and ValidateSchedule for networks of 0 to 4 hidden
// layers; every epoch's FLN weights of an accepted schedule must be finite
// and positive where validation promises it.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/fln_hyperparameters.h"
#include "core/validation.h"
#include "tests/fuzz/parse_text_proto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fln::v1::Schedule schedule;
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (!fln::ParseTextProtoQuietly(text, &schedule)) return 0;
  for (int hidden = 0; hidden <= 4; ++hidden) {
    const fln::v1::Schedule resolved = fln::WithDefaults(schedule, hidden);
    if (!fln::ValidateSchedule(resolved, hidden).ok()) continue;
    if (resolved.method() != fln::v1::FLN) continue;
    for (int epoch : {1, resolved.epochs()}) {
      const fln::FlnHyperparameters weights =
          fln::FlnHyperparameters::FromProto(resolved.fln(), hidden, epoch);
      if (static_cast<int>(weights.rho_d.size()) != hidden + 1) std::abort();
      for (int l = 0; l < hidden; ++l) {
        if (!std::isfinite(weights.constraint_weight(l)) || weights.c[l] <= 0) std::abort();
      }
      if (!std::isfinite(weights.loss_weight()) || weights.loss_weight() <= 0) std::abort();
      for (float rho_d : weights.rho_d) {
        if (!std::isfinite(rho_d) || rho_d < 0) std::abort();
      }
    }
  }
  return 0;
}
