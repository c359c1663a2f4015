// File: train.h
//
// The epoch loop shared by FLN and backprop: validates the request, fits the
// input scaling on the training data, initialises (or resumes) the network,
// shuffles deterministically from the schedule's seed, runs a BatchTrainer
// over every minibatch, evaluates, reports progress, checkpoints and stops
// early or on cancellation.
//
//   TrainingHooks hooks;
//   hooks.on_progress = [](const ProgressReport& r) { ... };
//   absl::StatusOr<v1::Checkpoint> model = Train(spec, schedule, train, &test, hooks);
//
// Determinism: with the same seed, data and OpenMP thread count, two runs
// produce bit-identical weights, and a run resumed from an epoch checkpoint
// equals an uninterrupted one. The global batches and their order depend on
// the seed only, not on the number of data-parallel processes.
#ifndef FLN_CORE_TRAIN_H_
#define FLN_CORE_TRAIN_H_

#include <atomic>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "core/collective.h"
#include "core/dataset.h"
#include "core/fenchel.h"
#include "core/fln_hyperparameters.h"
#include "core/fln_trainer.h"
#include "proto/model.pb.h"

namespace fln {

struct ProgressReport {
  int epoch = 0;  // 1-based epoch this report belongs to
  int batch = 0;  // batches finished in this epoch
  int num_batches = 0;
  bool end_of_epoch = false;
  // Mean feed-forward training loss of the batch (batch report) or of the
  // epoch's batches (epoch report), each at the weights the batch started
  // from (not J at the current weights: that is train_loss).
  double batch_loss = 0;
  // FLN only (false for backprop). The relaxed objective F and its terms per
  // sample: of the batch just trained in a batch report (end_of_epoch
  // false), averaged over the epoch's batches in an epoch report (docs/method.md,
  // "Metrics"): at each batch's warm start (relaxed_start.total = w_L *
  // batch_loss + ridge) and after its sweeps (relaxed_end; with LIFTED
  // W-block inputs relaxed_end.total <= relaxed_start.total). Neither is a
  // bound on the training loss: the paper's lower bound is min F, which no
  // iterate certifies. relaxed_end.gaps are the per-layer feasibility gaps
  // B_l (0 iff X_{l+1} = relu(W_l X_l + b_l)).
  bool has_relaxed_objective = false;
  LiftedObjective relaxed_start;
  LiftedObjective relaxed_end;
  // FLN only: lambda, rho_d, ... in force in this epoch (growth applied).
  FlnHyperparameters weights;
  // End of epoch only (else -1): feed-forward mean cross-entropy and accuracy
  // on the whole training set and on the test set (if given). The test
  // figures also in the batch reports of TrainingHooks::
  // test_evaluations_per_epoch.
  double train_loss = -1;
  double train_accuracy = -1;
  double test_loss = -1;
  double test_accuracy = -1;
  // Training time since the start of the run (evaluation excluded), summed
  // over resumed segments.
  double elapsed_seconds = 0;
};

struct TrainingHooks {
  std::function<void(const ProgressReport&)> on_progress;
  // After every epoch, with the resumable state. A non-OK status stops
  // training and is returned.
  std::function<absl::Status(const v1::Checkpoint&)> on_checkpoint;
  // Checked before every batch; once true, Train returns CANCELLED.
  const std::atomic<bool>* cancel = nullptr;
  // Also report after every batch (not only at epoch ends), as
  // Schedule.report_batches does.
  bool report_batches = false;
  // With a test set and N > 1: also evaluate it N - 1 times inside every
  // epoch, after evenly spaced batches (every num_batches / N), and report
  // there with test_loss and test_accuracy set (time-to-accuracy
  // benchmarks). Evaluation is not training time. Batch reports at other
  // batches have them at -1.
  int test_evaluations_per_epoch = 1;
  // Null means one process. Otherwise a data-parallel run: every participant
  // calls Train with the same arguments and data (each reads its own copy;
  // FAILED_PRECONDITION if they differ), trains on its ShardOf (shard.h) of
  // every global batch, all-reduces every sum over samples (W-blocks, F's
  // terms, backprop's gradient, evaluation) and ends every batch with the
  // same weights; reports and checkpoints are the same on every participant
  // (write them from one). Every batch has at least size() samples, else
  // INVALID_ARGUMENT. A cancel seen by any participant stops all of them
  // at the same batch.
  Collective* collective = nullptr;
  // FLN only: called after every block solve (tracing, FLOP accounting).
  std::function<void(const BlockEvent&)> on_block;
};

// Trains `spec` on `train` (raw features; scaled here per the schedule) and
// returns the final checkpoint. `test` may be null. With `resume`, continues
// that checkpoint's run (its spec, schedule and normalisation win).
//
// Errors: INVALID_ARGUMENT for an invalid spec or schedule, data whose width
// differs from the model's input_size, or labels >= the output units;
// CANCELLED when hooks.cancel was set; DATA_LOSS for a corrupt `resume`;
// INTERNAL if training diverged to non-finite weights; any on_checkpoint error.
absl::StatusOr<v1::Checkpoint> Train(const v1::ModelSpec& spec, const v1::Schedule& schedule,
                                     const Dataset& train, const Dataset* test,
                                     const TrainingHooks& hooks,
                                     const v1::Checkpoint* resume = nullptr);

}  // namespace fln

#endif  // FLN_CORE_TRAIN_H_
