#include "core/fln_hyperparameters.h"

#include <cmath>

namespace fln {
namespace {

std::vector<float> Broadcast(const google::protobuf::RepeatedField<float>& values, int count) {
  if (values.size() == 1) return std::vector<float>(count, values[0]);
  return std::vector<float>(values.begin(), values.end());
}

}  // namespace

FlnHyperparameters FlnHyperparameters::FromProto(const v1::FlnOptions& options, int num_hidden,
                                                 int epoch) {
  FlnHyperparameters h;
  if (num_hidden > 0) {
    h.lambda = Broadcast(options.lambda(), num_hidden);
    h.c = Broadcast(options.c(), num_hidden);
  }
  h.rho_d = Broadcast(options.rho_d(), num_hidden + 1);
  h.rho = Broadcast(options.rho(), num_hidden + 1);
  // In double, so every epoch's factor is the same number however it is reached.
  const auto scale = [epoch](float growth, std::vector<float>* values) {
    if (growth == 0.0f) return;  // unset: constant
    const double factor = std::pow(static_cast<double>(growth), epoch - 1);
    for (float& v : *values) v = static_cast<float>(v * factor);
  };
  scale(options.lambda_growth(), &h.lambda);
  scale(options.rho_d_growth(), &h.rho_d);
  return h;
}

}  // namespace fln
