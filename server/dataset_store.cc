#include "server/dataset_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "core/csv_reader.h"
#include "core/idx_reader.h"
#include "core/status_macros.h"

namespace fln {
namespace {

constexpr int kMaxClasses = 1 << 16;
constexpr size_t kMaxNameLength = 256;
constexpr size_t kImportChunkBytes = 1 << 20;
constexpr char kHeaderFile[] = "upload_header.pb";

// Stored file name of each part; the hash covers parts in enum order.
const char* PartFile(int part) {
  switch (part) {
    case v1::IMAGES:
      return "images";
    case v1::LABELS:
      return "labels";
    case v1::CSV_TABLE:
      return "table.csv";
    default:
      return nullptr;
  }
}

std::vector<int> PartsOf(v1::DatasetFormat format) {
  if (format == v1::IDX) return {v1::IMAGES, v1::LABELS};
  return {v1::CSV_TABLE};
}

std::string PartName(int part) { return v1::DatasetPart_Name(static_cast<v1::DatasetPart>(part)); }

std::string MiB(int64_t bytes) {
  return bytes % (1 << 20) == 0 ? absl::StrCat(bytes >> 20, " MiB") : absl::StrCat(bytes, " bytes");
}

// Parses the stored parts in `dir` per `header`.
absl::StatusOr<Dataset> ParseDir(const std::string& dir, const v1::UploadHeader& header,
                                 int64_t max_bytes) {
  if (header.format() == v1::IDX) {
    absl::StatusOr<std::string> images = ReadMaybeGzipFile(dir + "/images", max_bytes);
    if (!images.ok()) {
      return absl::Status(images.status().code(),
                          absl::StrCat("IMAGES: ", images.status().message()));
    }
    absl::StatusOr<std::string> labels = ReadMaybeGzipFile(dir + "/labels", max_bytes);
    if (!labels.ok()) {
      return absl::Status(labels.status().code(),
                          absl::StrCat("LABELS: ", labels.status().message()));
    }
    return ParseIdx(*images, *labels, header.num_classes());
  }
  absl::StatusOr<std::string> text = ReadMaybeGzipFile(dir + "/table.csv", max_bytes);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("CSV_TABLE: ", text.status().message()));
  }
  CsvOptions options;
  options.has_header = header.csv_has_header();
  options.num_classes = header.num_classes();
  absl::StatusOr<Dataset> data = ParseCsv(*text, options);
  if (!data.ok()) {
    return absl::Status(data.status().code(), absl::StrCat("CSV_TABLE: ", data.status().message()));
  }
  return data;
}

absl::StatusOr<std::string> HashDir(Env* env, const std::string& dir, v1::DatasetFormat format) {
  Sha256 hash;
  for (int part : PartsOf(format)) {
    FLN_RETURN_IF_ERROR(env->ReadFileInChunks(absl::StrCat(dir, "/", PartFile(part)), 1 << 20,
                                              [&](absl::string_view chunk) {
                                                hash.Update(chunk);
                                                return absl::OkStatus();
                                              }));
  }
  return hash.HexDigest();
}

}  // namespace

// ------------------------------------------------------------------ Upload

DatasetStore::Upload::Upload(DatasetStore* owner, v1::UploadHeader header, std::string source,
                             std::string temp_dir, int64_t limit)
    : owner_(owner),
      header_(std::move(header)),
      source_(std::move(source)),
      temp_dir_(std::move(temp_dir)),
      limit_(limit) {}

DatasetStore::Upload::~Upload() {
  files_.clear();  // close before removing
  if (!committed_) owner_->env_->RemoveRecursively(temp_dir_).IgnoreError();
}

absl::Status DatasetStore::Upload::AddChunk(v1::DatasetPart part, absl::string_view data) {
  if (!error_.ok()) return error_;
  if (committed_) return absl::FailedPreconditionError("upload already committed");
  const std::vector<int> parts = PartsOf(header_.format());
  if (std::find(parts.begin(), parts.end(), part) == parts.end()) {
    error_ = absl::InvalidArgumentError(absl::StrCat(
        "chunk.part ", v1::DatasetPart_Name(part).empty() ? absl::StrCat(part) : PartName(part),
        " does not belong to a ", v1::DatasetFormat_Name(header_.format()),
        " upload (expected ",
        header_.format() == v1::IDX ? "IMAGES or LABELS" : "CSV_TABLE", ")"));
    return error_;
  }
  if (limit_ >= 0 && total_bytes_ + static_cast<int64_t>(data.size()) > limit_) {
    error_ = absl::ResourceExhaustedError(absl::StrCat(
        "upload exceeds the server's limit of ", MiB(limit_),
        " (more than ", total_bytes_ + static_cast<int64_t>(data.size()),
        " bytes received); restart flnd with a larger --max_upload_bytes to accept it"));
    return error_;
  }
  std::unique_ptr<WritableFile>& file = files_[part];
  if (file == nullptr) {
    absl::StatusOr<std::unique_ptr<WritableFile>> created =
        owner_->env_->NewWritableFile(absl::StrCat(temp_dir_, "/", PartFile(part)),
                                      /*exclusive=*/false);
    if (!created.ok()) {
      error_ = created.status();
      return error_;
    }
    file = std::move(created).value();
  }
  if (part < last_part_) in_order_ = false;
  last_part_ = std::max(last_part_, static_cast<int>(part));
  error_ = file->Append(data);
  if (!error_.ok()) return error_;
  if (in_order_) hash_.Update(data);
  total_bytes_ += static_cast<int64_t>(data.size());
  return absl::OkStatus();
}

absl::StatusOr<v1::Dataset> DatasetStore::Upload::Commit() {
  if (!error_.ok()) return error_;
  if (committed_) return absl::FailedPreconditionError("upload already committed");
  for (int part : PartsOf(header_.format())) {
    auto it = files_.find(part);
    if (it == files_.end() || it->second->size() == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "empty upload: the ", v1::DatasetFormat_Name(header_.format()), " dataset has no ",
          PartName(part), " data (send it in chunks with part ", PartName(part), ")"));
    }
  }
  for (auto& [part, file] : files_) FLN_RETURN_IF_ERROR(file->SyncAndClose());
  files_.clear();

  std::string content_hash;
  if (in_order_) {
    content_hash = hash_.HexDigest();
  } else {
    FLN_ASSIGN_OR_RETURN(content_hash, HashDir(owner_->env_, temp_dir_, header_.format()));
  }
  absl::StatusOr<Dataset> parsed = ParseDir(temp_dir_, header_, MaxDecompressedBytes(limit_));
  if (absl::IsResourceExhausted(parsed.status())) {
    // Without the temporary path ParseDir's message names.
    return absl::ResourceExhaustedError(absl::StrCat(
        "upload decompresses to more than the server's limit of ", MiB(limit_),
        " per part; restart flnd with a larger --max_upload_bytes to accept it"));
  }
  if (!parsed.ok()) {
    // The parsers name the files they read: name the parts, not server paths.
    return absl::Status(parsed.status().code(),
                        absl::StrReplaceAll(parsed.status().message(),
                                            {{absl::StrCat(temp_dir_, "/"), ""}}));
  }
  Dataset data = std::move(parsed).value();
  FLN_RETURN_IF_ERROR(WriteFileAtomically(owner_->env_, absl::StrCat(temp_dir_, "/", kHeaderFile),
                                          header_.SerializeAsString()));

  v1::Dataset info;
  info.set_id(absl::StrCat("ds-", RandomHex(12)));
  info.set_name(header_.name().empty() ? info.id() : header_.name());
  info.set_format(header_.format());
  info.set_num_samples(data.num_samples());
  info.set_num_features(data.num_features());
  info.set_num_classes(data.num_classes);
  info.set_height(data.height);
  info.set_width(data.width);
  info.set_channels(data.channels);
  info.set_content_hash(content_hash);
  info.set_size_bytes(total_bytes_);
  info.set_created_at_micros(owner_->env_->NowMicros());
  info.set_source(source_);
  info.set_created_by(created_by_);

  const std::string final_dir = owner_->DatasetDir(info.id());
  FLN_RETURN_IF_ERROR(RenameDurably(owner_->env_, temp_dir_, final_dir));
  committed_ = true;
  const absl::Status inserted = owner_->store_->InsertDataset(info);
  if (!inserted.ok()) {
    owner_->env_->RemoveRecursively(final_dir).IgnoreError();
    return inserted;
  }
  return info;
}

// ------------------------------------------------------------ DatasetStore

DatasetStore::DatasetStore(const Options& options, MetadataStore* store)
    : options_(options), env_(options.env), store_(store) {}

absl::StatusOr<std::unique_ptr<DatasetStore>> DatasetStore::Create(const Options& options,
                                                                   MetadataStore* store) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("data_dir is required");
  if (options.max_upload_bytes <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_upload_bytes must be > 0, got ", options.max_upload_bytes));
  }
  std::unique_ptr<DatasetStore> datasets(new DatasetStore(options, store));
  FLN_RETURN_IF_ERROR(datasets->Init());
  return datasets;
}

absl::Status DatasetStore::Init() {
  const std::string tmp = options_.data_dir + "/tmp";
  const std::string root = options_.data_dir + "/datasets";
  FLN_RETURN_IF_ERROR(CreateDirectories(env_, tmp));
  FLN_RETURN_IF_ERROR(CreateDirectories(env_, root));
  // Leftovers of uploads that were in flight when the server died.
  FLN_ASSIGN_OR_RETURN(std::vector<std::string> leftovers, env_->ListDirectory(tmp));
  for (const std::string& name : leftovers) {
    FLN_RETURN_IF_ERROR(env_->RemoveRecursively(absl::StrCat(tmp, "/", name)));
  }
  // Directories renamed into place whose metadata insert never committed.
  FLN_ASSIGN_OR_RETURN(std::vector<v1::Dataset> known, store_->ListDatasets());
  FLN_ASSIGN_OR_RETURN(std::vector<std::string> dirs, env_->ListDirectory(root));
  for (const std::string& name : dirs) {
    const bool is_known = std::any_of(known.begin(), known.end(),
                                      [&](const v1::Dataset& d) { return d.id() == name; });
    if (!is_known) FLN_RETURN_IF_ERROR(env_->RemoveRecursively(absl::StrCat(root, "/", name)));
  }
  return absl::OkStatus();
}

std::string DatasetStore::DatasetDir(const std::string& id) const {
  return absl::StrCat(options_.data_dir, "/datasets/", id);
}

int64_t DatasetStore::MaxDecompressedBytes(int64_t limit) {
  // The upload limit counts decompressed bytes too, so a small gzip bomb
  // stops at the limit while it inflates.
  return limit < 0 ? kMaxIdxFileBytes : std::min<int64_t>(kMaxIdxFileBytes, limit);
}

absl::StatusOr<std::unique_ptr<DatasetStore::Upload>> DatasetStore::BeginUpload(
    const v1::UploadHeader& header, const std::string& created_by) {
  FLN_ASSIGN_OR_RETURN(std::unique_ptr<Upload> upload,
                       Begin(header, "upload", options_.max_upload_bytes));
  upload->created_by_ = created_by;
  return upload;
}

absl::StatusOr<std::unique_ptr<DatasetStore::Upload>> DatasetStore::Begin(
    const v1::UploadHeader& header, std::string source, int64_t limit) {
  if (header.format() != v1::IDX && header.format() != v1::CSV) {
    return absl::InvalidArgumentError(absl::StrCat("header.format must be IDX or CSV, got ",
                                                   v1::DatasetFormat_Name(header.format())));
  }
  if (header.num_classes() < 0 || header.num_classes() > kMaxClasses) {
    return absl::InvalidArgumentError(absl::StrCat("header.num_classes must be in [0, ",
                                                   kMaxClasses, "] (0 infers it), got ",
                                                   header.num_classes()));
  }
  if (header.name().size() > kMaxNameLength) {
    return absl::InvalidArgumentError(absl::StrCat("header.name must be at most ",
                                                   kMaxNameLength, " bytes, got ",
                                                   header.name().size()));
  }
  if (header.csv_has_header() && header.format() != v1::CSV) {
    return absl::InvalidArgumentError("header.csv_has_header is only meaningful for CSV uploads");
  }
  const std::string temp_dir = absl::StrCat(options_.data_dir, "/tmp/upload-", RandomHex(12));
  FLN_RETURN_IF_ERROR(CreateDirectories(env_, temp_dir));
  return std::unique_ptr<Upload>(new Upload(this, header, std::move(source), temp_dir, limit));
}

absl::StatusOr<v1::Dataset> DatasetStore::ImportOne(const std::string& name,
                                                    const std::string& prefix,
                                                    const std::string& split, int num_classes) {
  const std::string source = absl::StrCat("builtin:", name, "/", split);
  FLN_ASSIGN_OR_RETURN(std::vector<v1::Dataset> existing, store_->FindDatasetsBySource(source));
  if (!existing.empty()) return existing.front();

  v1::UploadHeader header;
  header.set_name(absl::StrCat(name, "-", split));
  header.set_format(v1::IDX);
  header.set_num_classes(num_classes);
  FLN_ASSIGN_OR_RETURN(std::unique_ptr<Upload> upload, Begin(header, source, /*limit=*/-1));
  const std::pair<v1::DatasetPart, std::string> parts[] = {{v1::IMAGES, "images-idx3-ubyte"},
                                                           {v1::LABELS, "labels-idx1-ubyte"}};
  for (const auto& [part, suffix] : parts) {
    std::vector<std::string> tried;
    std::string found;
    // The names LoadIdxDirectory accepts, in its order.
    const std::string dotted = suffix.substr(0, suffix.find('-')) + "." + suffix.substr(suffix.find('-') + 1);
    for (const std::string& base :
         {absl::StrCat(prefix, "-", suffix), absl::StrCat(prefix, "-", dotted)}) {
      for (const std::string& candidate : {base, base + ".gz"}) {
        const std::string path = absl::StrCat(options_.builtin_dir, "/", candidate);
        tried.push_back(candidate);
        if (found.empty() && env_->PathExists(path)) found = path;
      }
    }
    if (found.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "builtin dataset ", name, ": none of ", absl::StrJoin(tried, ", "), " found in ",
          options_.builtin_dir, "; install the files there or start flnd with --builtin_dir"));
    }
    FLN_RETURN_IF_ERROR(env_->ReadFileInChunks(
        found, kImportChunkBytes,
        [&](absl::string_view chunk) { return upload->AddChunk(part, chunk); }));
  }
  return upload->Commit();
}

absl::StatusOr<v1::ImportDatasetResponse> DatasetStore::ImportBuiltin(const std::string& name) {
  if (name != "fashion-mnist") {
    return absl::NotFoundError(
        absl::StrCat("unknown builtin dataset '", name, "'; available: fashion-mnist"));
  }
  absl::MutexLock lock(&import_mu_);
  v1::ImportDatasetResponse response;
  FLN_ASSIGN_OR_RETURN(*response.mutable_train(), ImportOne(name, "train", "train", 10));
  FLN_ASSIGN_OR_RETURN(*response.mutable_test(), ImportOne(name, "t10k", "test", 10));
  return response;
}

absl::StatusOr<v1::Dataset> DatasetStore::Get(const std::string& id) {
  return store_->GetDataset(id);
}

absl::StatusOr<std::vector<v1::Dataset>> DatasetStore::List() { return store_->ListDatasets(); }

absl::Status DatasetStore::Delete(const std::string& id) {
  absl::Status deleted = store_->DeleteDataset(id);
  // A full disk: the database needs room to record the deletion, which the
  // dataset's own files can give. The failed transaction got past its checks
  // (the dataset exists and no queued or running job uses it).
  const bool disk_full = absl::IsResourceExhausted(deleted);
  if (!deleted.ok() && !disk_full) return deleted;
  {
    absl::MutexLock lock(&cache_mu_);
    cache_.erase(id);
  }
  // Otherwise gone from the store first: a crash here leaves a directory
  // that Init removes, never a dataset without files.
  FLN_RETURN_IF_ERROR(env_->RemoveRecursively(DatasetDir(id)));
  if (!disk_full) return absl::OkStatus();
  deleted = store_->DeleteDataset(id);
  if (absl::IsResourceExhausted(deleted)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("disk full: dataset ", id,
                     "'s files were removed to free space, but its record could "
                     "not be deleted yet; free more space and call Delete again (",
                     deleted.message(), ")"));
  }
  return deleted;
}

absl::StatusOr<Dataset> DatasetStore::ReadStoredDataset(Env* env, const std::string& dir,
                                                        const v1::Dataset& info) {
  absl::StatusOr<std::string> header_bytes =
      ReadFileToString(env, absl::StrCat(dir, "/", kHeaderFile));
  v1::UploadHeader header;
  if (!header_bytes.ok() || !header.ParseFromString(*header_bytes)) {
    return absl::DataLossError(
        absl::StrCat("dataset ", info.id(), ": stored upload header is missing or corrupt"));
  }
  absl::StatusOr<std::string> hash = HashDir(env, dir, info.format());
  if (!hash.ok()) {
    return absl::DataLossError(absl::StrCat(
        "dataset ", info.id(), ": stored files unreadable: ", hash.status().message()));
  }
  if (*hash != info.content_hash()) {
    return absl::DataLossError(absl::StrCat("dataset ", info.id(),
                                            ": stored files fail their checksum (SHA-256 ", *hash,
                                            ", expected ", info.content_hash(), ")"));
  }
  header.set_num_classes(info.num_classes());
  // Accepted once under the limit of its upload: no second limit here.
  absl::StatusOr<Dataset> data = ParseDir(dir, header, MaxDecompressedBytes(-1));
  if (!data.ok()) {
    return absl::DataLossError(absl::StrCat(
        "dataset ", info.id(), ": stored files no longer parse: ", data.status().message()));
  }
  return data;
}

absl::StatusOr<std::shared_ptr<const Dataset>> DatasetStore::Load(const std::string& id) {
  {
    absl::MutexLock lock(&cache_mu_);
    auto it = cache_.find(id);
    if (it != cache_.end()) {
      if (std::shared_ptr<const Dataset> cached = it->second.lock()) return cached;
    }
  }
  FLN_ASSIGN_OR_RETURN(v1::Dataset info, store_->GetDataset(id));
  FLN_ASSIGN_OR_RETURN(Dataset data, ReadStoredDataset(env_, DatasetDir(id), info));
  auto shared = std::make_shared<const Dataset>(std::move(data));
  absl::MutexLock lock(&cache_mu_);
  cache_[id] = shared;
  return shared;
}

}  // namespace fln
