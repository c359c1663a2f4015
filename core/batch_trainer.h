// File: batch_trainer.h
//
// One training step on one minibatch: the interface shared by the FLN
// trainer (fln_trainer.h) and the backprop baseline (backprop_trainer.h), so
// the epoch loop (train.h), data pipeline and reporting are the same for both.
#ifndef FLN_CORE_BATCH_TRAINER_H_
#define FLN_CORE_BATCH_TRAINER_H_

#include <vector>

#include "absl/status/status.h"
#include "core/fenchel.h"
#include "core/fln_hyperparameters.h"
#include "core/matrix.h"
#include "proto/model.pb.h"

namespace fln {

struct BatchStats {
  // Mean feed-forward training loss of the batch at the weights it started
  // from (before the update), for both methods.
  double batch_loss = 0;
  // FLN only (false for backprop): the relaxed objective F (fenchel.h),
  // summed over the batch, at the warm start (feed-forward X, so every gap is
  // 0: F = w_L * sum of the batch's losses + ridge) and after the batch's
  // sweeps. With LIFTED W-block inputs relaxed_end.total <=
  // relaxed_start.total (every block is F restricted to it).
  bool has_relaxed_objective = false;
  LiftedObjective relaxed_start;
  LiftedObjective relaxed_end;
  // FLN only: the weights in force for this batch (epoch growth applied).
  FlnHyperparameters weights;
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
