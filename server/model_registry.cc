#include "server/model_registry.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/evaluation.h"
#include "core/normalization.h"
#include "core/softmax.h"
#include "core/status_macros.h"
#include "core/tensor_proto.h"

namespace fln {
namespace {

constexpr size_t kMaxCachedModels = 16;

bool IsTerminal(v1::JobState state) {
  return state == v1::SUCCEEDED || state == v1::FAILED || state == v1::CANCELLED;
}

v1::Model Describe(const v1::Job& job, int epoch, int64_t created_at_micros) {
  v1::Model model;
  model.set_id(job.id());
  model.set_job_id(job.id());
  model.set_created_by(job.created_by());
  model.set_epoch(epoch);
  model.set_final(IsTerminal(job.state()));
  *model.mutable_spec() = job.model();
  if (job.latest_metrics().epoch() == epoch) *model.mutable_metrics() = job.latest_metrics();
  model.set_created_at_micros(created_at_micros);
  return model;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const ModelRegistry::LoadedModel>> ModelRegistry::Load(
    const std::string& model_id, v1::Job* job) {
  if (model_id.empty()) return absl::InvalidArgumentError("model_id is required");
  absl::StatusOr<v1::Job> found = store_->GetJob(model_id);
  if (!found.ok()) {
    if (absl::IsNotFound(found.status())) {
      return absl::NotFoundError(
          absl::StrCat("model '", model_id, "' not found (a model id is its job's id)"));
    }
    return found.status();
  }
  *job = *std::move(found);
  absl::StatusOr<FileVersion> version = checkpoints_->Version(model_id);
  if (!version.ok()) {
    if (absl::IsNotFound(version.status())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "model '", model_id, "' has no checkpoint yet (job is ", v1::JobState_Name(job->state()),
          "); a job saves one after each epoch"));
    }
    return version.status();
  }
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(model_id);
    if (it != cache_.end() && it->second->version == *version) return it->second;
  }
  FLN_ASSIGN_OR_RETURN(v1::Checkpoint checkpoint, checkpoints_->Load(model_id));
  absl::StatusOr<Network> network = Network::Create(checkpoint.spec());
  if (!network.ok()) {
    return absl::DataLossError(absl::StrCat("model '", model_id,
                                            "': checkpoint holds an invalid spec: ",
                                            network.status().message()));
  }
  absl::Status loaded = NetworkFromProto(checkpoint.layers(), &*network);
  if (!loaded.ok()) {
    return absl::DataLossError(absl::StrCat("model '", model_id, "': ", loaded.message()));
  }
  auto model = std::make_shared<LoadedModel>(
      LoadedModel{*version, std::move(checkpoint), *std::move(network)});
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= kMaxCachedModels && cache_.find(model_id) == cache_.end()) cache_.clear();
  cache_[model_id] = model;
  return std::shared_ptr<const LoadedModel>(std::move(model));
}

absl::StatusOr<v1::ListModelsResponse> ModelRegistry::List() {
  v1::ListModelsResponse response;
  std::string token;
  do {
    FLN_ASSIGN_OR_RETURN(MetadataStore::JobPage page,
                         store_->ListJobs(v1::JOB_STATE_UNSPECIFIED, 1000, token));
    for (const v1::Job& job : page.jobs) {
      absl::StatusOr<FileVersion> version = checkpoints_->Version(job.id());
      if (!version.ok()) continue;  // no checkpoint yet
      *response.add_models() =
          Describe(job, job.epochs_completed(), version->mtime_nanos / 1000);
    }
    token = page.next_page_token;
  } while (!token.empty());
  return response;
}

absl::StatusOr<v1::Model> ModelRegistry::Get(const v1::GetModelRequest& request) {
  v1::Job job;
  FLN_ASSIGN_OR_RETURN(std::shared_ptr<const LoadedModel> loaded, Load(request.id(), &job));
  v1::Model model = Describe(job, loaded->checkpoint.state().epochs_completed(),
                             loaded->version.mtime_nanos / 1000);
  *model.mutable_spec() = loaded->checkpoint.spec();
  if (request.include_weights()) *model.mutable_checkpoint() = loaded->checkpoint;
  return model;
}

absl::StatusOr<v1::PredictResponse> ModelRegistry::Predict(const v1::PredictRequest& request) {
  v1::Job job;
  FLN_ASSIGN_OR_RETURN(std::shared_ptr<const LoadedModel> loaded, Load(request.model_id(), &job));
  const Network& net = loaded->network;
  const int n = request.num_samples();
  if (n <= 0 || n > kMaxPredictSamples) {
    return absl::InvalidArgumentError(absl::StrCat("num_samples must be in [1, ",
                                                   kMaxPredictSamples, "], got ", n));
  }
  const int width = net.input_size();
  const int64_t expected = int64_t{n} * width;
  if (request.inputs_size() != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        "inputs holds ", request.inputs_size(), " values; expected num_samples ", n,
        " x input_size ", width, " = ", expected, " (model '", request.model_id(),
        "' takes ", width, " features per sample)"));
  }
  for (int64_t i = 0; i < expected; ++i) {
    const float v = request.inputs(static_cast<int>(i));
    if (!std::isfinite(v)) {
      return absl::InvalidArgumentError(absl::StrCat("inputs[", i, "] (sample ", i / width,
                                                     ", feature ", i % width, ") is ", v,
                                                     "; inputs must be finite"));
    }
  }
  // Row-major samples x features is column-major features x samples.
  Matrix inputs = Eigen::Map<const Matrix>(request.inputs().data(), width, n);
  absl::Status normalized = ApplyNormalization(loaded->checkpoint.normalization(), &inputs);
  if (!normalized.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("inputs cannot be normalised: ", normalized.message()));
  }
  const Matrix logits = net.Logits(inputs);
  const std::vector<int32_t> labels = ArgmaxColumns(logits);  // as Evaluate counts them
  Matrix probabilities;
  SoftmaxColumns(logits, &probabilities);
  v1::PredictResponse response;
  response.mutable_predictions()->Reserve(n);
  for (int j = 0; j < n; ++j) {
    v1::Prediction* prediction = response.add_predictions();
    prediction->set_label(labels[j]);
    prediction->mutable_probabilities()->Add(probabilities.col(j).data(),
                                             probabilities.col(j).data() + probabilities.rows());
  }
  return response;
}

absl::StatusOr<v1::EvaluateResponse> ModelRegistry::Evaluate(const v1::EvaluateRequest& request) {
  v1::Job job;
  FLN_ASSIGN_OR_RETURN(std::shared_ptr<const LoadedModel> loaded, Load(request.model_id(), &job));
  const Network& net = loaded->network;
  if (request.dataset_id().empty()) return absl::InvalidArgumentError("dataset_id is required");
  FLN_ASSIGN_OR_RETURN(v1::Dataset info, datasets_->Get(request.dataset_id()));
  if (info.num_features() != net.input_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset '", info.id(), "' has ", info.num_features(), " features per sample; model '",
        request.model_id(), "' takes ", net.input_size()));
  }
  if (info.num_classes() > net.num_classes()) {
    return absl::InvalidArgumentError(absl::StrCat("dataset '", info.id(), "' has ",
                                                   info.num_classes(), " classes; model '",
                                                   request.model_id(), "' predicts ",
                                                   net.num_classes()));
  }
  FLN_ASSIGN_OR_RETURN(std::shared_ptr<const Dataset> data, datasets_->Load(info.id()));
  Matrix features = data->features;
  absl::Status normalized = ApplyNormalization(loaded->checkpoint.normalization(), &features);
  if (!normalized.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("dataset '", info.id(),
                                                   "' cannot be normalised for this model: ",
                                                   normalized.message()));
  }
  const Evaluation evaluation = fln::Evaluate(net, features, data->labels);
  v1::EvaluateResponse response;
  response.set_samples(evaluation.samples);
  response.set_accuracy(evaluation.accuracy);
  response.set_loss(evaluation.mean_loss);
  response.set_num_classes(evaluation.num_classes);
  for (int64_t count : evaluation.confusion) response.add_confusion(count);
  return response;
}

}  // namespace fln
