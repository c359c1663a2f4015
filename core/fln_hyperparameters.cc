#include "core/fln_hyperparameters.h"

namespace fln {
namespace {

std::vector<float> Broadcast(const google::protobuf::RepeatedField<float>& values, int count) {
  if (values.size() == 1) return std::vector<float>(count, values[0]);
  return std::vector<float>(values.begin(), values.end());
}

}  // namespace

FlnHyperparameters FlnHyperparameters::FromProto(const v1::FlnOptions& options, int num_hidden) {
  FlnHyperparameters h;
  if (num_hidden > 0) {
    h.lambda = Broadcast(options.lambda(), num_hidden);
    h.c = Broadcast(options.c(), num_hidden);
  }
  h.rho_d = Broadcast(options.rho_d(), num_hidden + 1);
  h.rho = Broadcast(options.rho(), num_hidden + 1);
  return h;
}

}  // namespace fln
