// File: batch_trainer.h
//
// One training step on one minibatch: the interface shared by the FLN
// trainer (fln_trainer.h) and the backprop baseline (backprop_trainer.h), so
// the epoch loop (train.h), data pipeline and reporting are the same for both.
#ifndef FLN_CORE_BATCH_TRAINER_H_
#define FLN_CORE_BATCH_TRAINER_H_

#include <vector>

#include "absl/status/status.h"
#include "core/matrix.h"
#include "proto/model.pb.h"

namespace fln {

struct BatchStats {
  // FLN only (backprop leaves them empty / negative): the lifted objective F
  // after the batch's BCD (summed over the batch) and the per-layer gaps
  // sum B_l, both at the final iterate.
  double lifted_objective = -1;
  std::vector<double> layer_gaps;
  // Mean training loss of the batch as the trainer saw it (backprop: before
  // the update; FLN: feed-forward loss of the warm start).
  double batch_loss = 0;
};

class BatchTrainer {
 public:
  virtual ~BatchTrainer() = default;

  // Updates the network the trainer was created with from one batch.
  // inputs: features x m; one_hot: classes x m. Returns INTERNAL if the
  // update produced non-finite weights (the caller should stop training).
  virtual absl::Status TrainBatch(const Matrix& inputs, const Matrix& one_hot,
                                  BatchStats* stats) = 0;

  // Called before the first batch of every epoch (1-based), also when a
  // resumed run starts mid-schedule.
  virtual void StartEpoch(int /*epoch*/) {}

  // Optimiser state for checkpoints (default: stateless).
  virtual void SaveState(v1::TrainingState* /*state*/) const {}
  virtual absl::Status RestoreState(const v1::TrainingState& /*state*/) {
    return absl::OkStatus();
  }
};

}  // namespace fln

#endif  // FLN_CORE_BATCH_TRAINER_H_
