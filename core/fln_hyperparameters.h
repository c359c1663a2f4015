// File: fln_hyperparameters.h
//
// The FLN weights of fln-math.md section 3, one entry per layer, resolved
// from a validated v1::FlnOptions (a one-value list applies to every layer).
#ifndef FLN_CORE_FLN_HYPERPARAMETERS_H_
#define FLN_CORE_FLN_HYPERPARAMETERS_H_

#include <vector>

#include "proto/model.pb.h"

namespace fln {

struct FlnHyperparameters {
  // lambda[l]: multiplier of the ReLU constraint of hidden layer l, l = 0..L-1.
  std::vector<float> lambda;
  // c[l - 1]: weight of X_l's downstream term in the X_l block, l = 1..L.
  // c[L - 1] (= c_L) also weights the loss in the lifted objective.
  std::vector<float> c;
  // Proximal and ridge weights per weight layer l = 0..L.
  std::vector<float> rho_d;
  std::vector<float> rho;

  // c_L, the loss weight (1 for a network without hidden layers).
  float loss_weight() const { return c.empty() ? 1.0f : c.back(); }

  // The weights of epoch `epoch` (1-based): lambda and rho_d scaled by
  // their growth factors^(epoch - 1) (FlnOptions.lambda_growth, rho_d_growth).
  // REQUIRES: ValidateSchedule accepted `options` for `num_hidden` layers.
  static FlnHyperparameters FromProto(const v1::FlnOptions& options, int num_hidden,
                                      int epoch = 1);
};

}  // namespace fln

#endif  // FLN_CORE_FLN_HYPERPARAMETERS_H_
