// File: backprop_trainer.h
//
// The baseline users compare FLN with: minibatch backpropagation of the mean
// softmax cross-entropy, with Adam or SGD with momentum, on the same Network,
// init and data pipeline as FLN.
#ifndef FLN_CORE_BACKPROP_TRAINER_H_
#define FLN_CORE_BACKPROP_TRAINER_H_

#include <vector>

#include "core/batch_trainer.h"
#include "core/network.h"
#include "proto/model.pb.h"

namespace fln {

class BackpropTrainer final : public BatchTrainer {
 public:
  // REQUIRES: `options` validated (validation.h, after WithDefaults); `net`
  // outlives the trainer.
  BackpropTrainer(Network* net, const v1::BackpropOptions& options);

  absl::Status TrainBatch(const Matrix& inputs, const Matrix& one_hot,
                          BatchStats* stats) override;

  void SaveState(v1::TrainingState* state) const override;
  absl::Status RestoreState(const v1::TrainingState& state) override;

  // Gradients of the mean cross-entropy (plus weight decay) of the last
  // batch, before the update; for tests.
  const std::vector<Layer>& last_gradients() const { return gradients_; }

  // Computes the gradients of the mean loss at the current weights without
  // updating them. Returns the mean loss.
  double ComputeGradients(const Matrix& inputs, const Matrix& one_hot);

 private:
  Network* const net_;
  const v1::BackpropOptions options_;
  std::vector<Layer> gradients_;
  std::vector<Layer> first_moment_;   // Adam m, or SGD velocity
  std::vector<Layer> second_moment_;  // Adam v
  int64_t steps_ = 0;
  std::vector<Matrix> activations_;
};

}  // namespace fln

#endif  // FLN_CORE_BACKPROP_TRAINER_H_
