// File: network.h
//
// A dense ReLU network (MLP) with a linear softmax output layer
// (docs/method.md, "Notation"):
//
//   X_{l+1} = relu(W_l X_l + b_l 1^T),  l = 0..L-1   (hidden layers)
//   logits  = W_L X_L + b_L 1^T                       (output layer)
//
// Samples are columns. The network only holds weights and runs feed-forward
// passes; trainers (fln_trainer.h, backprop_trainer.h) update the weights.
//
//   FLN_ASSIGN_OR_RETURN(Network net, Network::Create(spec));
//   Rng rng(seed);
//   net.InitGlorotUniform(0.1f, &rng);
//   Matrix logits = net.Logits(batch);
#ifndef FLN_CORE_NETWORK_H_
#define FLN_CORE_NETWORK_H_

#include <vector>

#include "absl/status/statusor.h"
#include "core/layer.h"
#include "core/matrix.h"
#include "core/rng.h"
#include "proto/model.pb.h"

namespace fln {

class Network {
 public:
  // Builds a zero-initialised network for `spec`. Returns INVALID_ARGUMENT
  // naming the field when the spec is malformed (see validation.h).
  static absl::StatusOr<Network> Create(const v1::ModelSpec& spec);

  // Glorot-uniform weights, U(-a, a) with a = sqrt(6 / (fan_in + fan_out))
  // (for convolutions fan_in = k*k*C_in, fan_out = k*k*C_out), drawn layer
  // by layer in row-major order; every bias = `bias`.
  void InitGlorotUniform(float bias, Rng* rng);

  // Number of weight layers (L + 1: the hidden layers and the output layer).
  int num_layers() const { return static_cast<int>(layers_.size()); }
  int num_hidden() const { return num_layers() - 1; }
  int input_size() const { return widths_.front(); }
  int num_classes() const { return widths_.back(); }
  // widths()[l] = n_l, the rows of X_l, l = 0..L+1 (input width first, class
  // count last); for a convolution, channels * height * width of its map.
  const std::vector<int>& widths() const { return widths_; }

  const Layer& layer(int l) const { return layers_[l]; }
  Layer& mutable_layer(int l) { return layers_[l]; }
  const std::vector<Layer>& layers() const { return layers_; }
  std::vector<Layer>& mutable_layers() { return layers_; }

  // pre = A_l(in) = W_l F_l(in) + b_l 1^T (layer.h). `pre` is resized.
  void PreActivation(int l, const Matrix& in, Matrix* pre) const;

  // Feed-forward. activations->at(0) = input, activations->at(l) = X_l for
  // l = 1..L (post-ReLU). REQUIRES: input.rows() == input_size().
  // `input` may be a block of columns of a larger batch (it is copied into
  // activations->at(0)).
  void Forward(const Eigen::Ref<const Matrix>& input, std::vector<Matrix>* activations,
               Matrix* logits) const;

  // Logits only (prediction path).
  Matrix Logits(const Matrix& input) const;

  // Total number of parameters.
  int64_t num_parameters() const;

 private:
  explicit Network(std::vector<Layer> layers);

  std::vector<int> widths_;
  std::vector<Layer> layers_;
};

// Relu in place.
inline void ReluInPlace(Matrix* m) { *m = m->cwiseMax(0.0f); }

// Back through a ReLU whose output is `activation`: zeroes the entries of
// *grad where the activation is 0. Vectorised (Eigen 3.4's select is not,
// and branches on ReLU patterns mispredict: 1.4 ms for LeNet-5's first
// feature map of 64 samples, against 0.06 ms for this).
void ReluGradientInPlace(const Matrix& activation, Matrix* grad);

}  // namespace fln

#endif  // FLN_CORE_NETWORK_H_
