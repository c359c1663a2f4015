// fln models | model get | predict | evaluate
#include <algorithm>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/command.h"
#include "client/format.h"
#include "client/json_output.h"
#include "core/csv_reader.h"
#include "core/idx_reader.h"
#include "client/user_path.h"
#include "core/status_macros.h"
#include "google/protobuf/text_format.h"

namespace fln {
namespace client {
namespace {

// Inputs per Predict request: 512 Ki floats (2 MiB) stays well under any
// server's message limit.
constexpr int64_t kMaxFloatsPerRequest = int64_t{1} << 19;

absl::Status PrintModel(const CommandContext& ctx, const v1::Model& model) {
  if (!ctx.json) ctx.Print(ModelHeader());
  return ctx.PrintProto(model, ModelLine(model));
}

absl::StatusOr<int> ListModels(const CommandContext& ctx, const Args&) {
  v1::ListModelsResponse response;
  auto context = ctx.connection->UnaryContext();
  FLN_RETURN_IF_ERROR(FromGrpc(
      ctx.connection->models().List(context.get(), v1::ListModelsRequest(), &response)));
  if (!ctx.json) ctx.Print(ModelHeader());
  for (const v1::Model& model : response.models()) {
    FLN_RETURN_IF_ERROR(ctx.PrintProto(model, ModelLine(model)));
  }
  return kExitOk;
}

// Binary fln.v1.Checkpoint, or text format for a .textproto/.txt/.pbtxt name.
absl::Status WriteCheckpoint(const v1::Checkpoint& checkpoint, const std::string& path) {
  std::string bytes;
  const bool text = absl::EndsWith(path, ".textproto") || absl::EndsWith(path, ".txt") ||
                    absl::EndsWith(path, ".pbtxt");
  const bool printed = text ? google::protobuf::TextFormat::PrintToString(checkpoint, &bytes)
                            : checkpoint.SerializeToString(&bytes);
  if (!printed) return absl::InternalError("cannot serialise the checkpoint");
  std::ofstream out(ResolveUserPath(path), std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write"));
  return absl::OkStatus();
}

absl::StatusOr<int> ShowModel(const CommandContext& ctx, const Args& args) {
  v1::GetModelRequest request;
  request.set_id(args.positional()[0]);
  request.set_include_weights(args.Has("weights_out"));
  v1::Model model;
  auto context = ctx.connection->UnaryContext();
  FLN_RETURN_IF_ERROR(FromGrpc(ctx.connection->models().Get(context.get(), request, &model)));
  if (args.Has("weights_out")) {
    FLN_RETURN_IF_ERROR(WriteCheckpoint(model.checkpoint(), args.Get("weights_out")));
    ctx.Note(absl::StrCat("fln: wrote the checkpoint (fln.v1.Checkpoint) to ",
                          args.Get("weights_out")));
    model.clear_checkpoint();
  }
  FLN_RETURN_IF_ERROR(PrintModel(ctx, model));
  return kExitOk;
}

// An IDX image file without labels: ParseIdx wants a label file, so give it
// one of zeros with the image count from the header (bytes 4-7, big-endian).
std::string ZeroLabelsFor(const std::string& image_bytes) {
  std::string labels = {0, 0, 8, 1};  // magic 0x00000801
  uint32_t count = 0;
  if (image_bytes.size() >= 8) {
    for (int i = 4; i < 8; ++i) count = (count << 8) | static_cast<unsigned char>(image_bytes[i]);
  }
  // A corrupt count must not allocate gigabytes; ParseIdx reports the file.
  count = static_cast<uint32_t>(std::min<size_t>(count, image_bytes.size()));
  labels.append(image_bytes.size() >= 8 ? image_bytes.substr(4, 4) : std::string(4, '\0'));
  labels.append(count, '\0');
  return labels;
}

struct PredictInputs {
  Dataset data;
  bool has_labels = false;
};

absl::StatusOr<PredictInputs> LoadPredictInputs(const Args& args) {
  PredictInputs inputs;
  if (args.Has("csv")) {
    CsvOptions options;
    options.has_header = args.GetBool("csv_header");
    FLN_ASSIGN_OR_RETURN(inputs.data, LoadCsv(args.Get("csv"), options));
    inputs.has_labels = true;
    return inputs;
  }
  FLN_ASSIGN_OR_RETURN(const std::string images,
                       ReadMaybeGzipFile(args.Get("idx_images"), kMaxIdxFileBytes));
  std::string labels;
  inputs.has_labels = args.Has("idx_labels");
  if (inputs.has_labels) {
    FLN_ASSIGN_OR_RETURN(labels, ReadMaybeGzipFile(args.Get("idx_labels"), kMaxIdxFileBytes));
  } else {
    labels = ZeroLabelsFor(images);
  }
  absl::StatusOr<Dataset> data = ParseIdx(images, labels);
  if (!data.ok()) {
    return absl::Status(data.status().code(),
                        absl::StrCat(args.Get("idx_images"), ": ", data.status().message()));
  }
  inputs.data = *std::move(data);
  return inputs;
}

std::string PredictionLine(const CommandContext& ctx, int64_t index, const v1::Prediction& p,
                           const PredictInputs& inputs, int64_t column) {
  const bool known = inputs.has_labels;
  const int true_label = known ? inputs.data.labels[column] : -1;
  if (ctx.json) {
    JsonObject o;
    o.AddInt("index", index).AddInt("label", p.label());
    if (known) o.AddInt("true_label", true_label);
    o.AddFloatArray("probabilities", std::vector<float>(p.probabilities().begin(),
                                                        p.probabilities().end()));
    return o.str();
  }
  const float top = p.label() < p.probabilities_size() ? p.probabilities(p.label()) : 0.0f;
  std::string line = absl::StrFormat("#%-6d label %d  p %.1f%%", index, p.label(), 100.0 * top);
  if (known) {
    absl::StrAppend(&line, absl::StrFormat("  true %d  %s", true_label,
                                           true_label == p.label() ? "ok" : "WRONG"));
  }
  return line;
}

absl::StatusOr<int> Predict(const CommandContext& ctx, const Args& args) {
  if (!args.Has("model")) return UsageError("--model is required");
  if (args.Has("csv") == args.Has("idx_images")) {
    return UsageError("give either --idx_images=FILE or --csv=FILE");
  }
  FLN_ASSIGN_OR_RETURN(const PredictInputs inputs, LoadPredictInputs(args));
  const int64_t available = inputs.data.num_samples();
  FLN_ASSIGN_OR_RETURN(const int64_t offset, args.GetInt("offset", 0));
  FLN_ASSIGN_OR_RETURN(const int64_t count,
                       args.GetInt("count", args.Has("csv") ? available : 10));
  if (offset < 0 || offset >= available || count <= 0) {
    return UsageError(absl::StrCat("need 0 <= --offset < ", available, " and --count > 0, got ",
                                   offset, " and ", count));
  }
  const int64_t end = std::min(available, offset + count);
  const int64_t width = inputs.data.num_features();
  const int64_t per_request = std::max<int64_t>(1, kMaxFloatsPerRequest / width);
  int64_t correct = 0;
  for (int64_t first = offset; first < end; first += per_request) {
    const int64_t n = std::min(per_request, end - first);
    v1::PredictRequest request;
    request.set_model_id(args.Get("model"));
    request.set_num_samples(static_cast<int32_t>(n));
    // Samples are columns of a column-major matrix: contiguous, row-major per sample.
    const float* begin = inputs.data.features.data() + first * width;
    request.mutable_inputs()->Add(begin, begin + n * width);
    v1::PredictResponse response;
    auto context = ctx.connection->UnaryContext();
    FLN_RETURN_IF_ERROR(FromGrpc(ctx.connection->models().Predict(context.get(), request, &response)));
    for (int i = 0; i < response.predictions_size() && i < n; ++i) {
      const v1::Prediction& p = response.predictions(i);
      ctx.Print(PredictionLine(ctx, first + i, p, inputs, first + i));
      if (inputs.has_labels && inputs.data.labels[first + i] == p.label()) ++correct;
    }
  }
  if (inputs.has_labels && !ctx.json) {
    ctx.Print(absl::StrCat(correct, "/", end - offset, " correct"));
  }
  return kExitOk;
}

absl::StatusOr<int> Evaluate(const CommandContext& ctx, const Args& args) {
  if (!args.Has("model") || !args.Has("dataset")) {
    return UsageError("--model and --dataset are required");
  }
  v1::EvaluateRequest request;
  request.set_model_id(args.Get("model"));
  request.set_dataset_id(args.Get("dataset"));
  v1::EvaluateResponse response;
  auto context = ctx.connection->UnaryContext();
  FLN_RETURN_IF_ERROR(FromGrpc(ctx.connection->models().Evaluate(context.get(), request, &response)));
  ctx.Print(ctx.json ? EvaluationJson(response, request.model_id(), request.dataset_id())
                     : EvaluationText(response));
  return kExitOk;
}

}  // namespace

std::vector<Command> ModelCommands() {
  return {
      {"models", "", "list trained models (a model id is its job id)", {}, 0, 0, ListModels},
      {"model get", "ID [--weights_out=FILE]",
       "show a model; --weights_out writes its fln.v1.Checkpoint (binary, or text for .textproto)",
       {{"weights_out"}}, 1, 1, ShowModel},
      {"predict",
       "--model=ID (--idx_images=FILE [--idx_labels=FILE] [--count=N (10)] | "
       "--csv=FILE [--csv_header] [--count=N (all)]) [--offset=K]",
       "predict raw samples (a CSV is label,f1,f2,... as for upload)",
       {{"model"}, {"idx_images"}, {"idx_labels"}, {"csv"}, {"csv_header", false}, {"count"},
        {"offset"}},
       0, 0, Predict},
      {"evaluate", "--model=JOB_OR_MODEL --dataset=ID",
       "accuracy, loss and confusion matrix of a model on a dataset",
       {{"model"}, {"dataset"}}, 0, 0, Evaluate},
  };
}

}  // namespace client
}  // namespace fln
