// File: fln_hyperparameters.h
//
// The FLN weights of the relaxed objective (docs/method.md, "The relaxed
// objective"), one entry per layer, resolved from a validated
// v1::FlnOptions (a one-value list applies to every layer):
//
//   F = w_L Loss + sum_l w_l lambda_l B_l + sum_l rho_d,l ||dW_l||^2 + rho_l ||W_l||^2,
//   w_0 = 1,  w_l = c_1 ... c_l.
//
// rho_d and rho are coefficients of F itself (the authors' block-unit
// proximal weight of layer l is rho_d,l / w_l).
#ifndef FLN_CORE_FLN_HYPERPARAMETERS_H_
#define FLN_CORE_FLN_HYPERPARAMETERS_H_

#include <vector>

#include "proto/model.pb.h"

namespace fln {

struct FlnHyperparameters {
  // lambda[l]: multiplier of the ReLU constraint of hidden layer l, l = 0..L-1.
  std::vector<float> lambda;
  // c[l - 1]: weight of X_l's downstream term relative to its upstream one
  // in the X_l block, l = 1..L.
  std::vector<float> c;
  // Proximal and ridge coefficients in F per weight layer l = 0..L.
  std::vector<float> rho_d;
  std::vector<float> rho;

  // w_l = c_1 ... c_l (w_0 = 1): the weight of layer l's terms in F.
  // REQUIRES: 0 <= l <= c.size().
  float layer_weight(int l) const {
    float w = 1.0f;
    for (int k = 0; k < l; ++k) w *= c[k];
    return w;
  }
  // w_l lambda_l: the weight of B_l in F, l = 0..L-1.
  float constraint_weight(int l) const { return layer_weight(l) * lambda[l]; }
  // w_L: the weight of the loss in F (1 for a network without hidden layers).
  float loss_weight() const { return layer_weight(static_cast<int>(c.size())); }

  // The weights of epoch `epoch` (1-based): lambda and rho_d scaled by
  // their growth factors^(epoch - 1) (FlnOptions.lambda_growth, rho_d_growth).
  // REQUIRES: ValidateSchedule accepted `options` for `num_hidden` layers.
  static FlnHyperparameters FromProto(const v1::FlnOptions& options, int num_hidden,
                                      int epoch = 1);
};

}  // namespace fln

#endif  // FLN_CORE_FLN_HYPERPARAMETERS_H_
