// File: model_registry.h
//
// Trained models for serving. A model is a job's latest checkpoint (a model
// id is its job id): the final weights once the job ended, the last epoch's
// while it runs. Loaded networks are cached and reloaded when the checkpoint
// file changes, so Predict does not re-read the file on every call.
//
// Predict and Evaluate apply the checkpoint's own normalisation to raw
// inputs, then core Network::Logits and a softmax: exactly the engine's
// feed-forward path.
//
//   ModelRegistry models(store, checkpoints, datasets);
//   FLN_ASSIGN_OR_RETURN(v1::PredictResponse r, models.Predict(request));
//
// Thread-safe.
#ifndef FLN_SERVER_MODEL_REGISTRY_H_
#define FLN_SERVER_MODEL_REGISTRY_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/network.h"
#include "proto/service.pb.h"
#include "server/checkpoint_store.h"
#include "server/dataset_store.h"
#include "server/file_util.h"
#include "server/metadata_store.h"

namespace fln {

class ModelRegistry {
 public:
  // Inputs per Predict call are bounded so one request cannot exhaust memory.
  static constexpr int kMaxPredictSamples = 1 << 16;

  // The stores must outlive the registry.
  ModelRegistry(MetadataStore* store, CheckpointStore* checkpoints, DatasetStore* datasets)
      : store_(store), checkpoints_(checkpoints), datasets_(datasets) {}

  // Every job that has a checkpoint, newest job first (no weights).
  absl::StatusOr<v1::ListModelsResponse> List();

  // INVALID_ARGUMENT for an empty id; NOT_FOUND for an unknown id;
  // FAILED_PRECONDITION if the job has no checkpoint yet; DATA_LOSS for a
  // corrupt checkpoint.
  absl::StatusOr<v1::Model> Get(const v1::GetModelRequest& request);

  // Get's errors, and INVALID_ARGUMENT naming the field for num_samples
  // outside [1, kMaxPredictSamples], an inputs count other than num_samples x
  // input_size, or a NaN/infinite input (naming sample and feature).
  absl::StatusOr<v1::PredictResponse> Predict(const v1::PredictRequest& request);

  // Get's errors; NOT_FOUND for an unknown dataset; INVALID_ARGUMENT if the
  // dataset's width differs from the model's input_size or it has more
  // classes than the model; the dataset's DATA_LOSS.
  absl::StatusOr<v1::EvaluateResponse> Evaluate(const v1::EvaluateRequest& request);

 private:
  struct LoadedModel {
    FileVersion version;
    v1::Checkpoint checkpoint;  // spec, schedule, normalisation, state; weights too
    Network network;
  };

  absl::StatusOr<std::shared_ptr<const LoadedModel>> Load(const std::string& model_id,
                                                          v1::Job* job);

  MetadataStore* const store_;
  CheckpointStore* const checkpoints_;
  DatasetStore* const datasets_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const LoadedModel>> cache_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace fln

#endif  // FLN_SERVER_MODEL_REGISTRY_H_
