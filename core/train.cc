#include "core/train.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/backprop_trainer.h"
#include "core/batcher.h"
#include "core/evaluation.h"
#include "core/fln_trainer.h"
#include "core/network.h"
#include "core/normalization.h"
#include "core/one_hot.h"
#include "core/rng.h"
#include "core/shard.h"
#include "core/status_macros.h"
#include "core/tensor_proto.h"
#include "core/validation.h"

namespace fln {
namespace {

constexpr int kCheckpointFormatVersion = 1;

absl::Status CheckData(const Dataset& data, const Network& net, const std::string& what) {
  if (data.num_samples() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, " dataset has no samples"));
  }
  if (data.num_features() != net.input_size()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " dataset has ", data.num_features(),
                                                   " features per sample, the model's "
                                                   "input_size is ",
                                                   net.input_size()));
  }
  if (data.labels.size() != static_cast<size_t>(data.num_samples())) {
    return absl::InvalidArgumentError(absl::StrCat(what, " dataset has ", data.labels.size(),
                                                   " labels for ", data.num_samples(),
                                                   " samples"));
  }
  for (size_t i = 0; i < data.labels.size(); ++i) {
    if (data.labels[i] < 0 || data.labels[i] >= net.num_classes()) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " label ", data.labels[i], " of sample ", i, " is outside the model's ",
          net.num_classes(), " output classes"));
    }
  }
  return absl::OkStatus();
}

std::unique_ptr<BatchTrainer> MakeBatchTrainer(const v1::Schedule& schedule, Network* net,
                                               Collective* collective,
                                               const TrainingHooks& hooks) {
  if (schedule.method() == v1::FLN) {
    auto trainer = std::make_unique<FlnTrainer>(net, schedule.fln(), collective);
    if (hooks.on_block) trainer->set_block_observer(hooks.on_block);
    return trainer;
  }
  return std::make_unique<BackpropTrainer>(net, schedule.backprop(), collective);
}

// A data-parallel run needs the same data on every rank (each reads its own
// copy). Every rank sums (v, v^2) of a few exact fingerprints; the sums equal
// (P v, P v^2) on every rank iff all ranks hold the same v, so all ranks agree
// on the verdict. Fingerprints stay below 2^20 so the squared sums are exact.
absl::Status CheckSameDataOnEveryRank(const Dataset& data, const std::string& what,
                                      Collective* collective) {
  if (collective->size() == 1) return absl::OkStatus();
  uint64_t hash = 1469598103934665603ull;  // FNV-1a over labels and feature bits
  auto mix = [&hash](uint32_t word) {
    hash ^= word;
    hash *= 1099511628211ull;
  };
  for (int32_t label : data.labels) mix(static_cast<uint32_t>(label));
  const float* values = data.features.data();
  for (Eigen::Index i = 0; i < data.features.size(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, values + i, sizeof(bits));
    mix(bits);
  }
  const double prints[4] = {static_cast<double>(data.num_samples() & 0xFFFFF),
                            static_cast<double>(data.num_features() & 0xFFFFF),
                            static_cast<double>(hash & 0xFFFFF),
                            static_cast<double>((hash >> 20) & 0xFFFFF)};
  double sums[8];
  for (int i = 0; i < 4; ++i) {
    sums[2 * i] = prints[i];
    sums[2 * i + 1] = prints[i] * prints[i];
  }
  collective->AllReduceSum(sums, 8);
  const double p = collective->size();
  for (int i = 0; i < 4; ++i) {
    if (sums[2 * i] != p * prints[i] || sums[2 * i + 1] != p * prints[i] * prints[i]) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the ", what, " dataset differs between the ", collective->size(),
          " processes of this data-parallel run (rank ", collective->rank(), " holds ",
          data.num_samples(), " samples); give every rank the same file"));
    }
  }
  return absl::OkStatus();
}

// Every rank must hold a sample of every batch (an empty shard would run
// BLAS on empty matrices).
absl::Status CheckBatchesSplit(int num_samples, int batch_size, int ranks) {
  if (ranks == 1) return absl::OkStatus();
  const int last = num_samples % batch_size == 0 ? batch_size : num_samples % batch_size;
  if (std::min(batch_size, num_samples) < ranks || last < ranks) {
    return absl::InvalidArgumentError(absl::StrCat(
        "schedule.batch_size ", batch_size, " on ", num_samples, " training samples leaves a ",
        "batch of ", std::min(last, batch_size), " samples, fewer than the ", ranks,
        " processes of this data-parallel run; choose a batch size (or limit_train) whose "
        "every batch has at least ", ranks, " samples"));
  }
  return absl::OkStatus();
}

// True on every rank once any rank's flag is set, so all ranks stop at the
// same batch (a rank that stopped alone would leave the others waiting in
// an all-reduce).
bool AnyRankCancelled(const std::atomic<bool>* cancel, Collective* collective) {
  double flag = cancel != nullptr && cancel->load() ? 1.0 : 0.0;
  if (collective->size() > 1) collective->AllReduceSum(&flag, 1);
  return flag > 0;
}

// Running per-sample means over an epoch's batches.
struct EpochAccumulator {
  LiftedObjective relaxed_start_sum;
  LiftedObjective relaxed_end_sum;
  bool has_relaxed_objective = false;
  FlnHyperparameters weights;
  double loss_sum = 0;
  int64_t samples = 0;

  void Add(const BatchStats& stats, int batch_samples) {
    if (stats.has_relaxed_objective) {
      has_relaxed_objective = true;
      AccumulateObjective(stats.relaxed_start, 1.0, &relaxed_start_sum);
      AccumulateObjective(stats.relaxed_end, 1.0, &relaxed_end_sum);
      weights = stats.weights;
    }
    loss_sum += stats.batch_loss * batch_samples;
    samples += batch_samples;
  }

  void Fill(ProgressReport* report) const {
    const double per_sample = 1.0 / (samples > 0 ? static_cast<double>(samples) : 1.0);
    report->batch_loss = loss_sum * per_sample;
    report->has_relaxed_objective = has_relaxed_objective;
    if (has_relaxed_objective) {
      report->relaxed_start = LiftedObjective();
      report->relaxed_end = LiftedObjective();
      AccumulateObjective(relaxed_start_sum, per_sample, &report->relaxed_start);
      AccumulateObjective(relaxed_end_sum, per_sample, &report->relaxed_end);
      report->weights = weights;
    }
  }
};

}  // namespace

absl::StatusOr<v1::Checkpoint> Train(const v1::ModelSpec& requested_spec,
                                     const v1::Schedule& requested_schedule,
                                     const Dataset& train_raw, const Dataset* test_raw,
                                     const TrainingHooks& hooks, const v1::Checkpoint* resume) {
  const v1::ModelSpec& spec = resume != nullptr ? resume->spec() : requested_spec;
  FLN_ASSIGN_OR_RETURN(Network net, Network::Create(spec));
  const v1::Schedule schedule = WithDefaults(
      resume != nullptr ? resume->schedule() : requested_schedule, net.num_hidden());
  FLN_RETURN_IF_ERROR(ValidateSchedule(schedule, net.num_hidden()));
  FLN_RETURN_IF_ERROR(CheckData(train_raw, net, "train"));
  if (test_raw != nullptr) FLN_RETURN_IF_ERROR(CheckData(*test_raw, net, "test"));

  // Scale with statistics of the training data only; predict reuses them.
  Dataset train = TakeFirst(train_raw, schedule.limit_train());
  v1::Normalization normalization;
  if (resume != nullptr) {
    normalization = resume->normalization();
  } else {
    FLN_ASSIGN_OR_RETURN(normalization, FitNormalization(train.features, schedule.scaling()));
  }
  FLN_RETURN_IF_ERROR(ApplyNormalization(normalization, &train.features));
  Dataset test;
  if (test_raw != nullptr) {
    test = *test_raw;
    FLN_RETURN_IF_ERROR(ApplyNormalization(normalization, &test.features));
  }

  Rng rng(schedule.seed());
  v1::TrainingState state;
  if (resume != nullptr) {
    state = resume->state();
    FLN_RETURN_IF_ERROR(NetworkFromProto(resume->layers(), &net));
    if (!rng.RestoreState(state.rng_state()).ok()) {
      return absl::DataLossError("checkpoint rng_state is corrupt");
    }
  } else {
    const float bias = schedule.method() == v1::FLN ? schedule.fln().initial_bias() : 0.0f;
    net.InitGlorotUniform(bias, &rng);
  }

  Collective* collective = OrLocal(hooks.collective);
  const int rank = collective->rank();
  const int ranks = collective->size();
  FLN_RETURN_IF_ERROR(CheckBatchesSplit(train.num_samples(), schedule.batch_size(), ranks));
  FLN_RETURN_IF_ERROR(CheckSameDataOnEveryRank(train, "train", collective));
  if (test_raw != nullptr) {
    FLN_RETURN_IF_ERROR(CheckSameDataOnEveryRank(test, "test", collective));
  }
  std::unique_ptr<BatchTrainer> trainer = MakeBatchTrainer(schedule, &net, collective, hooks);
  if (resume != nullptr && schedule.method() == v1::BACKPROP) {
    FLN_RETURN_IF_ERROR(trainer->RestoreState(state));
  }

  v1::Checkpoint checkpoint;
  *checkpoint.mutable_spec() = spec;
  *checkpoint.mutable_schedule() = schedule;
  *checkpoint.mutable_normalization() = normalization;
  checkpoint.set_format_version(kCheckpointFormatVersion);
  auto snapshot = [&]() {
    NetworkToProto(net, checkpoint.mutable_layers());
    state.set_rng_state(rng.SaveState());
    trainer->SaveState(&state);
    *checkpoint.mutable_state() = state;
  };
  if (resume != nullptr) snapshot();

  EpochBatcher batcher(train.num_samples(), schedule.batch_size());
  Matrix batch_inputs, batch_one_hot;
  std::vector<int32_t> batch_labels;
  double elapsed = state.elapsed_seconds();
  const int patience = schedule.early_stopping().patience();
  const bool report_batches = hooks.report_batches || schedule.report_batches();

  const int test_evaluation_interval =
      std::max(1, batcher.num_batches() / std::max(1, hooks.test_evaluations_per_epoch));
  // Not training time: called outside the timed part of a batch.
  auto evaluate_test = [&](ProgressReport* r) {
    const Evaluation test_eval = EvaluateSharded(net, test.features, test.labels, collective);
    r->test_loss = test_eval.mean_loss;
    r->test_accuracy = test_eval.accuracy;
  };
  for (int epoch = state.epochs_completed() + 1; epoch <= schedule.epochs(); ++epoch) {
    batcher.Shuffle(&rng);
    trainer->StartEpoch(epoch);
    EpochAccumulator accumulator;
    ProgressReport report;
    report.epoch = epoch;
    report.num_batches = batcher.num_batches();
    for (int b = 0; b < batcher.num_batches(); ++b) {
      if (AnyRankCancelled(hooks.cancel, collective)) {
        return absl::CancelledError(
            absl::StrCat("training cancelled at epoch ", epoch, ", batch ", b));
      }
      const auto start = std::chrono::steady_clock::now();
      // This rank's shard of the global batch; the batch and its order do not
      // depend on the number of ranks.
      const int batch_samples = batcher.BatchSize(b);
      batcher.GatherBatch(train, b, ShardOf(batch_samples, rank, ranks), &batch_inputs,
                          &batch_labels);
      OneHot(batch_labels, net.num_classes(), &batch_one_hot);
      BatchStats stats;
      FLN_RETURN_IF_ERROR(trainer->TrainBatch(batch_inputs, batch_one_hot, &stats));
      elapsed += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      accumulator.Add(stats, batch_samples);
      // The last batch is reported (and evaluated) as the epoch's end.
      const bool last_batch = b + 1 == batcher.num_batches();
      const bool mid_epoch_test =
          test_raw != nullptr && hooks.test_evaluations_per_epoch > 1 &&
          (b + 1) % test_evaluation_interval == 0 &&
          (b + 1) / test_evaluation_interval < hooks.test_evaluations_per_epoch;
      if ((report_batches || mid_epoch_test) && hooks.on_progress && !last_batch) {
        EpochAccumulator this_batch;
        this_batch.Add(stats, batch_samples);
        report.batch = b + 1;
        report.elapsed_seconds = elapsed;
        this_batch.Fill(&report);
        report.test_loss = report.test_accuracy = -1;
        if (mid_epoch_test) evaluate_test(&report);
        hooks.on_progress(report);
      }
    }

    // Evaluation is not training time.
    report.batch = batcher.num_batches();
    report.end_of_epoch = true;
    report.elapsed_seconds = elapsed;
    accumulator.Fill(&report);
    const Evaluation train_eval =
        EvaluateSharded(net, train.features, train.labels, collective);
    report.train_loss = train_eval.mean_loss;
    report.train_accuracy = train_eval.accuracy;
    if (test_raw != nullptr) evaluate_test(&report);
    if (hooks.on_progress) hooks.on_progress(report);

    // Early stopping watches test accuracy, or train accuracy without a test set.
    const double watched = test_raw != nullptr ? report.test_accuracy : report.train_accuracy;
    if (watched > state.best_test_accuracy() + schedule.early_stopping().min_delta()) {
      state.set_best_test_accuracy(static_cast<float>(watched));
      state.set_epochs_since_best(0);
    } else {
      state.set_epochs_since_best(state.epochs_since_best() + 1);
    }
    state.set_epochs_completed(epoch);
    state.set_elapsed_seconds(elapsed);
    snapshot();
    if (hooks.on_checkpoint) FLN_RETURN_IF_ERROR(hooks.on_checkpoint(checkpoint));
    if (patience > 0 && state.epochs_since_best() >= patience) break;
  }
  if (resume == nullptr && state.epochs_completed() == 0) snapshot();
  return checkpoint;
}

}  // namespace fln
