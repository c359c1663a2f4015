// fln dataset upload | import | list | get | rm
#include <fstream>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/command.h"
#include "client/format.h"
#include "client/json_output.h"
#include "client/user_path.h"
#include "core/status_macros.h"

namespace fln {
namespace client {
namespace {

// Upload chunk size: the API's limit per chunk.
constexpr size_t kChunkBytes = size_t{1} << 20;

using UploadWriter = grpc::ClientWriterInterface<v1::UploadDatasetRequest>;

// "x/train-images-idx3-ubyte.gz" -> "train-images-idx3-ubyte".
std::string DefaultName(const std::string& path) {
  absl::string_view name = path;
  const size_t slash = name.rfind('/');
  if (slash != absl::string_view::npos) name.remove_prefix(slash + 1);
  absl::ConsumeSuffix(&name, ".gz");
  absl::ConsumeSuffix(&name, ".csv");
  return std::string(name);
}

absl::StatusOr<std::unique_ptr<std::ifstream>> OpenInput(const std::string& path) {
  auto in = std::make_unique<std::ifstream>(ResolveUserPath(path), std::ios::binary);
  if (!*in) return absl::NotFoundError(absl::StrCat(path, ": cannot open for reading"));
  return in;
}

// Sends all of `in` as `part` chunks. Returns false as soon as the server
// has closed the stream (Finish then carries its reason).
absl::StatusOr<bool> SendPart(std::ifstream& in, const std::string& path, v1::DatasetPart part,
                              UploadWriter* writer) {
  std::string buffer(kChunkBytes, '\0');
  while (in) {
    in.read(&buffer[0], buffer.size());
    const std::streamsize got = in.gcount();
    if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read failed"));
    if (got == 0) break;
    v1::UploadDatasetRequest request;
    request.mutable_chunk()->set_part(part);
    request.mutable_chunk()->set_data(buffer.data(), static_cast<size_t>(got));
    if (!writer->Write(request)) return false;
  }
  return true;
}

absl::Status PrintDatasets(const CommandContext& ctx,
                           const google::protobuf::RepeatedPtrField<v1::Dataset>& datasets) {
  if (!ctx.json) ctx.Print(DatasetHeader());
  for (const v1::Dataset& dataset : datasets) {
    FLN_RETURN_IF_ERROR(ctx.PrintProto(dataset, DatasetLine(dataset)));
  }
  return absl::OkStatus();
}

absl::Status PrintDataset(const CommandContext& ctx, const v1::Dataset& dataset) {
  google::protobuf::RepeatedPtrField<v1::Dataset> one;
  *one.Add() = dataset;
  return PrintDatasets(ctx, one);
}

absl::StatusOr<int> Upload(const CommandContext& ctx, const Args& args) {
  const bool csv = args.Has("csv");
  if (csv == (args.Has("images") || args.Has("labels"))) {
    return UsageError("give either --csv=FILE or both --images=FILE and --labels=FILE");
  }
  if (!csv && !(args.Has("images") && args.Has("labels"))) {
    return UsageError("IDX upload needs both --images=FILE and --labels=FILE");
  }
  FLN_ASSIGN_OR_RETURN(const int64_t num_classes, args.GetInt("num_classes", 0));
  std::vector<std::pair<std::string, v1::DatasetPart>> parts;
  if (csv) {
    parts = {{args.Get("csv"), v1::CSV_TABLE}};
  } else {
    parts = {{args.Get("images"), v1::IMAGES}, {args.Get("labels"), v1::LABELS}};
  }
  // Open every file before the stream starts: a typo must not cost an upload.
  std::vector<std::unique_ptr<std::ifstream>> inputs;
  for (const auto& part : parts) {
    FLN_ASSIGN_OR_RETURN(auto in, OpenInput(part.first));
    inputs.push_back(std::move(in));
  }

  grpc::ClientContext context;
  v1::Dataset dataset;
  std::unique_ptr<UploadWriter> writer = ctx.connection->datasets().Upload(&context, &dataset);
  v1::UploadDatasetRequest header;
  header.mutable_header()->set_name(args.Get("name", DefaultName(parts[0].first)));
  header.mutable_header()->set_format(csv ? v1::CSV : v1::IDX);
  header.mutable_header()->set_csv_has_header(args.GetBool("csv_header"));
  header.mutable_header()->set_num_classes(static_cast<int32_t>(num_classes));
  bool open = writer->Write(header);
  for (size_t i = 0; open && i < parts.size(); ++i) {
    absl::StatusOr<bool> sent = SendPart(*inputs[i], parts[i].first, parts[i].second, writer.get());
    if (!sent.ok()) {
      context.TryCancel();  // the server discards a cancelled upload
      (void)writer->Finish();
      return sent.status();
    }
    open = *sent;
  }
  if (open) writer->WritesDone();
  FLN_RETURN_IF_ERROR(FromGrpc(writer->Finish()));
  FLN_RETURN_IF_ERROR(PrintDataset(ctx, dataset));
  return kExitOk;
}

// JSON: one line per dataset, each with "split":"train" or "split":"test".
absl::StatusOr<int> Import(const CommandContext& ctx, const Args& args) {
  v1::ImportDatasetRequest request;
  request.set_builtin(args.positional()[0]);
  v1::ImportDatasetResponse response;
  auto context = ctx.connection->UnaryContext();
  FLN_RETURN_IF_ERROR(FromGrpc(ctx.connection->datasets().Import(context.get(), request, &response)));
  if (!ctx.json) {
    ctx.Print(absl::StrCat("SPLIT  ", DatasetHeader()));
    ctx.Print(absl::StrCat("train  ", DatasetLine(response.train())));
    ctx.Print(absl::StrCat("test   ", DatasetLine(response.test())));
    return kExitOk;
  }
  for (const auto& [split, dataset] : {std::pair<const char*, const v1::Dataset*>{"train", &response.train()},
                                       {"test", &response.test()}}) {
    FLN_ASSIGN_OR_RETURN(const std::string json, ProtoToJson(*dataset));
    ctx.Print(PrependMember(json, "split", JsonString(split)));
  }
  return kExitOk;
}

absl::StatusOr<int> List(const CommandContext& ctx, const Args&) {
  v1::ListDatasetsResponse response;
  auto context = ctx.connection->UnaryContext();
  FLN_RETURN_IF_ERROR(FromGrpc(
      ctx.connection->datasets().List(context.get(), v1::ListDatasetsRequest(), &response)));
  FLN_RETURN_IF_ERROR(PrintDatasets(ctx, response.datasets()));
  return kExitOk;
}

absl::StatusOr<int> Get(const CommandContext& ctx, const Args& args) {
  v1::GetDatasetRequest request;
  request.set_id(args.positional()[0]);
  v1::Dataset dataset;
  auto context = ctx.connection->UnaryContext();
  FLN_RETURN_IF_ERROR(FromGrpc(ctx.connection->datasets().Get(context.get(), request, &dataset)));
  FLN_RETURN_IF_ERROR(PrintDataset(ctx, dataset));
  return kExitOk;
}

absl::StatusOr<int> Remove(const CommandContext& ctx, const Args& args) {
  v1::DeleteDatasetRequest request;
  request.set_id(args.positional()[0]);
  v1::DeleteDatasetResponse response;
  auto context = ctx.connection->UnaryContext();
  FLN_RETURN_IF_ERROR(
      FromGrpc(ctx.connection->datasets().Delete(context.get(), request, &response)));
  ctx.Print(ctx.json ? JsonObject().AddString("id", request.id()).AddBool("deleted", true).str()
                     : absl::StrCat("deleted dataset ", request.id()));
  return kExitOk;
}

}  // namespace

std::vector<Command> DatasetCommands() {
  return {
      {"dataset upload",
       "[--name=N] (--images=FILE --labels=FILE | --csv=FILE [--csv_header]) [--num_classes=K]",
       "upload an IDX (raw or .gz) or CSV (label,f1,f2,...) dataset",
       {{"name"}, {"images"}, {"labels"}, {"csv"}, {"csv_header", false}, {"num_classes"}},
       0, 0, Upload},
      {"dataset import", "fashion-mnist", "import a dataset built into the server (train and test)",
       {}, 1, 1, Import},
      {"dataset list", "", "list datasets", {}, 0, 0, List},
      {"dataset get", "ID", "show one dataset", {}, 1, 1, Get},
      {"dataset rm", "ID", "delete a dataset", {}, 1, 1, Remove},
  };
}

}  // namespace client
}  // namespace fln
