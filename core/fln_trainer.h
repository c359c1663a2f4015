// File: fln_trainer.h
//
// Block-coordinate descent on the relaxed (Fenchel lifted) objective F,
// per minibatch, following the authors' schedule (docs/method.md, "The
// blocks"):
//   1. warm start: X_l <- feed-forward activations (every gap B_l = 0);
//   2. anchor: W^prev <- W (proximal centre);
//   3. `alternations` times: X-sweep over X_L..X_1 (blocks (a), (b)), then
//      W-sweep over W_0..W_L (blocks (c), (d)), in the schedule's orders,
//      each block solved by SolveBlock. Every block is F restricted to it,
//      so with LIFTED W-block inputs F never increases, for any c.
//      With FlnOptions.w_inputs = FEED_FORWARD the W-blocks take feed-forward
//      inputs instead of the lifted X_l (then F may rise).
//
// Data-parallel: with a Collective of P participants each passes its shard of
// the batch. X-blocks stay local; the W-blocks' sums over samples and F's loss
// and gap terms (BatchStats) are all-reduced, so every participant ends the
// batch with the same weights and global figures.
#ifndef FLN_CORE_FLN_TRAINER_H_
#define FLN_CORE_FLN_TRAINER_H_

#include <functional>
#include <vector>

#include "core/batch_trainer.h"
#include "core/block_solver.h"
#include "core/collective.h"
#include "core/fln_blocks.h"
#include "core/fln_hyperparameters.h"
#include "core/network.h"
#include "proto/model.pb.h"

namespace fln {

// Which block just ran, for observers (tests check monotonicity with it).
struct BlockEvent {
  bool is_w_block = false;
  int layer = 0;    // X_layer or W_layer
  int samples = 0;  // this participant's share of the batch size m
  BlockSolveResult result;
  // Wall time of the block: setting it up (a W-block's im2col features and
  // Gram factor, an X-block's Lipschitz constant) and solving it.
  double seconds = 0;
};

class FlnTrainer final : public BatchTrainer {
 public:
  // REQUIRES: `options` validated for net->num_hidden() (validation.h, after
  // WithDefaults); `net` and `collective` outlive the trainer.
  FlnTrainer(Network* net, const v1::FlnOptions& options, Collective* collective);

  absl::Status TrainBatch(const Matrix& inputs, const Matrix& one_hot,
                          BatchStats* stats) override;
  // Takes the epoch's lambda and rho_d (FlnOptions.lambda_growth, rho_d_growth).
  void StartEpoch(int epoch) override;

  // Called after every block solve (for tests and tracing); may be empty.
  void set_block_observer(std::function<void(const BlockEvent&)> observer) {
    block_observer_ = std::move(observer);
  }

  // The lifted state after the last batch: x[0] the inputs, x[l] = X_l.
  const std::vector<Matrix>& lifted() const { return x_; }
  // The current epoch's weights (epoch 1 until StartEpoch says otherwise).
  const FlnHyperparameters& hyperparameters() const { return hyper_; }

 private:
  void SolveXBlock(int l, const Matrix& one_hot);
  // Fits (W_l, b_l) on `input` (X_l or its feed-forward counterpart) to
  // the lifted X_{l+1}. *pre receives W_l input + b_l with the new W_l; if
  // `pre_is_current`, it holds that for the old W_l on entry.
  void SolveWBlock(int l, const Matrix& input, Matrix* pre, bool pre_is_current,
                   const Matrix& one_hot, const Network& anchor);
  // The W-sweep of FlnOptions.w_inputs = FEED_FORWARD, W_0 first.
  void FeedForwardWSweep(const Matrix& one_hot, const Network& anchor);

  Network* const net_;
  const v1::FlnOptions options_;
  FlnHyperparameters hyper_;
  Collective* const collective_;
  std::function<void(const BlockEvent&)> block_observer_;
  std::vector<Matrix> x_;    // lifted activations, x_[0] = inputs
  std::vector<Matrix> pre_;  // pre_[l] = W_l x_[l] + b_l, kept current
  Matrix ff_input_;          // FEED_FORWARD W-sweep: the input of the current W_l
  Matrix ff_pre_;            // and W_l ff_input_ + b_l
};

// Solver settings for a block from the schedule.
BlockSolverSettings ToSolverSettings(const v1::SolverOptions& options);

}  // namespace fln

#endif  // FLN_CORE_FLN_TRAINER_H_
