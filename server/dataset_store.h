// File: dataset_store.h
//
// Uploaded and imported datasets on disk. An upload streams into a private
// temporary directory (data_dir/tmp/upload-*), hashed as it arrives and
// bounded by --max_upload_bytes; Commit parses and validates it with the core
// loaders and only then renames it into data_dir/datasets/<id>/ (durably) and
// records it in the MetadataStore. A failed, cancelled or abandoned upload
// leaves nothing behind: the temporary directory is removed when the Upload
// object dies uncommitted, and at startup.
//
// Layout of a stored dataset (the uploaded bytes, unchanged, raw or gzip):
//   datasets/<id>/images, labels    (IDX)   or   datasets/<id>/table.csv (CSV)
//   datasets/<id>/upload_header.pb  (the v1::UploadHeader, for re-parsing)
//
//   FLN_ASSIGN_OR_RETURN(auto upload, store->BeginUpload(header));
//   FLN_RETURN_IF_ERROR(upload->AddChunk(v1::IMAGES, bytes));
//   ...
//   FLN_ASSIGN_OR_RETURN(v1::Dataset info, upload->Commit());
//   FLN_ASSIGN_OR_RETURN(std::shared_ptr<const Dataset> data, store->Load(info.id()));
//
// Thread-safe; an Upload object is used by one thread.
#ifndef FLN_SERVER_DATASET_STORE_H_
#define FLN_SERVER_DATASET_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "core/dataset.h"
#include "proto/service.pb.h"
#include "server/file_util.h"
#include "server/metadata_store.h"
#include "server/sha256.h"

namespace fln {

class DatasetStore {
 public:
  struct Options {
    std::string data_dir;                        // required
    int64_t max_upload_bytes = int64_t{256} << 20;  // > 0
    std::string builtin_dir = "/usr/share/datasets/fashion-mnist";
    Env* env = Env::Default();  // files and clock; outlives the store
  };

  // Creates data_dir/{datasets,tmp}, empties tmp/ and removes dataset
  // directories the store does not know (a crash between rename and
  // insert). `store` must outlive the result. INVALID_ARGUMENT for bad
  // options; file_util.h errors.
  static absl::StatusOr<std::unique_ptr<DatasetStore>> Create(const Options& options,
                                                              MetadataStore* store);

  class Upload {
   public:
    ~Upload();  // removes the temporary files unless committed
    Upload(const Upload&) = delete;
    Upload& operator=(const Upload&) = delete;

    // INVALID_ARGUMENT for a part that does not belong to the format (IDX:
    // IMAGES, LABELS; CSV: CSV_TABLE); RESOURCE_EXHAUSTED (naming
    // --max_upload_bytes) once the total passes the limit; I/O errors. After
    // an error the upload is dead: later calls fail the same way.
    absl::Status AddChunk(v1::DatasetPart part, absl::string_view data);

    // Validates and stores the dataset. INVALID_ARGUMENT for a missing or
    // empty part ("empty upload") or content the core parsers reject (their
    // message, prefixed with the part name); I/O and store errors otherwise.
    absl::StatusOr<v1::Dataset> Commit();

    int64_t bytes_received() const { return total_bytes_; }

   private:
    friend class DatasetStore;
    Upload(DatasetStore* owner, v1::UploadHeader header, std::string source,
           std::string temp_dir, int64_t limit);

    DatasetStore* const owner_;
    const v1::UploadHeader header_;
    const std::string source_;
    const std::string temp_dir_;
    const int64_t limit_;  // < 0: unlimited (builtin imports)
    std::string created_by_;
    std::map<int, std::unique_ptr<WritableFile>> files_;  // by DatasetPart
    Sha256 hash_;
    int last_part_ = 0;
    bool in_order_ = true;  // parts arrived in hash order, so hash_ is valid
    int64_t total_bytes_ = 0;
    absl::Status error_;
    bool committed_ = false;
  };

  // INVALID_ARGUMENT naming the field for a header with an unknown format,
  // a negative or absurd num_classes, or an over-long name. The dataset
  // records `created_by` (a token name).
  absl::StatusOr<std::unique_ptr<Upload>> BeginUpload(const v1::UploadHeader& header,
                                                      const std::string& created_by = "");

  // Imports a dataset built into the server ("fashion-mnist": the IDX files
  // in Options::builtin_dir) as a train and a test dataset; if it was
  // imported before, returns those datasets. NOT_FOUND for an unknown name
  // (listing the known ones); FAILED_PRECONDITION naming the missing file and
  // --builtin_dir when the files are not there.
  absl::StatusOr<v1::ImportDatasetResponse> ImportBuiltin(const std::string& name);

  absl::StatusOr<v1::Dataset> Get(const std::string& id);   // NOT_FOUND
  absl::StatusOr<std::vector<v1::Dataset>> List();           // oldest first
  // NOT_FOUND; FAILED_PRECONDITION while a queued or running job uses it.
  // On a full disk the files go first, to make room for the database's
  // record of the deletion; if even that is not enough, RESOURCE_EXHAUSTED
  // says so and a later Delete finishes the job (Load meanwhile: DATA_LOSS).
  absl::Status Delete(const std::string& id);

  // The parsed dataset (raw features). Verifies the stored bytes against the
  // content hash first: DATA_LOSS on a mismatch or unparsable stored files;
  // NOT_FOUND for an unknown id. Loaded datasets are shared while in use.
  absl::StatusOr<std::shared_ptr<const Dataset>> Load(const std::string& id);

  // Where the dataset's files are stored (its directory), for a process
  // that reads them itself with ReadStoredDataset (a multi-process job's
  // workers). Does not check that `id` exists.
  std::string DirOf(const std::string& id) const { return DatasetDir(id); }

  // What Load does with the files in `dir` of the dataset `info`, without a
  // store: the same DATA_LOSS errors.
  static absl::StatusOr<Dataset> ReadStoredDataset(Env* env, const std::string& dir,
                                                   const v1::Dataset& info);

 private:
  DatasetStore(const Options& options, MetadataStore* store);
  absl::Status Init();
  std::string DatasetDir(const std::string& id) const;
  absl::StatusOr<std::unique_ptr<Upload>> Begin(const v1::UploadHeader& header,
                                                std::string source, int64_t limit);
  absl::StatusOr<v1::Dataset> ImportOne(const std::string& name, const std::string& prefix,
                                        const std::string& split, int num_classes);
  // Largest decompressed file the parsers may produce.
  // Largest decompressed size of one part under an upload limit (< 0:
  // unlimited, up to the IDX reader's own cap).
  static int64_t MaxDecompressedBytes(int64_t limit);

  const Options options_;
  Env* const env_;
  MetadataStore* const store_;
  absl::Mutex import_mu_;  // serialises ImportBuiltin so it imports once
  absl::Mutex cache_mu_;
  absl::flat_hash_map<std::string, std::weak_ptr<const Dataset>> cache_
      ABSL_GUARDED_BY(cache_mu_);
};

}  // namespace fln

#endif  // FLN_SERVER_DATASET_STORE_H_
