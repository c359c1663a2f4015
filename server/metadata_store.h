// File: metadata_store.h
//
// fln's durable metadata: datasets, jobs (the source of truth for job state),
// every job's event history, and Submit idempotency keys, in one SQLite
// database (WAL journal, synchronous=FULL: a committed change survives a
// crash or power loss). All SQL lives behind this class; statements are
// prepared once and reused.
//
// Tables:
//   datasets(id, source, created_at, proto)        proto = v1::Dataset
//   jobs(ord, id, state, train_dataset_id, test_dataset_id, created_at, proto)
//                                                   proto = v1::Job; ord gives
//                                                   creation order
//   events(job_id, seq, time_micros, kind, payload) payload = v1::JobEvent
//   request_ids(request_id, job_id)
//
// A job's state and the events that describe it change together in one
// transaction (UpdateJob), so the history never disagrees with the state.
//
//   FLN_ASSIGN_OR_RETURN(std::unique_ptr<MetadataStore> store,
//                        MetadataStore::Open(data_dir + "/fln.db"));
//
// Thread-safe (one connection behind a mutex).
#ifndef FLN_SERVER_METADATA_STORE_H_
#define FLN_SERVER_METADATA_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "proto/service.pb.h"
#include "server/env.h"

struct sqlite3;
struct sqlite3_stmt;

namespace fln {

class MetadataStore {
 public:
  // Opens or creates the database at `path` and its schema; times come from
  // `env`'s clock, and `env` may refuse SQLite's writes (sqlite_env_vfs.h).
  // Errors: INTERNAL
  // (or DATA_LOSS for a corrupt file) naming `path`.
  static absl::StatusOr<std::unique_ptr<MetadataStore>> Open(const std::string& path,
                                                             Env* env = Env::Default());
  ~MetadataStore();
  MetadataStore(const MetadataStore&) = delete;
  MetadataStore& operator=(const MetadataStore&) = delete;

  // ---- Datasets
  // ALREADY_EXISTS if the id is taken.
  absl::Status InsertDataset(const v1::Dataset& dataset);
  // NOT_FOUND naming the id.
  absl::StatusOr<v1::Dataset> GetDataset(const std::string& id);
  // Oldest first.
  absl::StatusOr<std::vector<v1::Dataset>> ListDatasets();
  // Datasets whose `source` equals `source`, oldest first.
  absl::StatusOr<std::vector<v1::Dataset>> FindDatasetsBySource(const std::string& source);
  // NOT_FOUND; FAILED_PRECONDITION naming the job while a QUEUED or RUNNING
  // job uses the dataset.
  absl::Status DeleteDataset(const std::string& id);

  // ---- Jobs
  struct InsertJobResult {
    v1::Job job;
    bool created = false;  // false: an earlier job with the same request_id
  };
  // In one transaction: if job.request_id() is set and already known, returns
  // that job unchanged (created = false). Otherwise checks that the train
  // (and test, if set) datasets exist (NOT_FOUND naming the field), stores
  // `job` with `first_event` as its event 1 (sequence, job_id and, if 0,
  // time are filled in) and returns it with last_sequence = 1.
  // ALREADY_EXISTS if job.id() is taken.
  absl::StatusOr<InsertJobResult> InsertJob(const v1::Job& job, v1::JobEvent first_event);

  // NOT_FOUND naming the id.
  absl::StatusOr<v1::Job> GetJob(const std::string& id);

  // The job an InsertJob with this request_id stored, if any.
  absl::StatusOr<std::optional<v1::Job>> FindJobByRequestId(const std::string& request_id);

  struct JobPage {
    std::vector<v1::Job> jobs;  // newest first
    std::string next_page_token;  // empty on the last page
  };
  // `state` JOB_STATE_UNSPECIFIED matches all, an empty `created_by` every
  // creator. REQUIRES: page_size > 0. INVALID_ARGUMENT for a page_token this
  // store did not produce.
  absl::StatusOr<JobPage> ListJobs(v1::JobState state, int page_size,
                                   const std::string& page_token,
                                   const std::string& created_by = "");

  // Jobs in any of `states`, oldest first.
  absl::StatusOr<std::vector<v1::Job>> ListJobsInStates(const std::vector<v1::JobState>& states);

  // In one transaction: reads the job, applies `mutate` (its error aborts the
  // update and is returned), appends `*events` with consecutive sequence
  // numbers after the job's last_sequence (filling in sequence, job_id and,
  // when 0, time_micros), sets last_sequence and stores the job. Returns the
  // updated job; `*events` then hold their stored form. `events` may be null
  // or empty. NOT_FOUND for an unknown id.
  using JobMutation = std::function<absl::Status(v1::Job*)>;
  absl::StatusOr<v1::Job> UpdateJob(const std::string& id, const JobMutation& mutate,
                                    std::vector<v1::JobEvent>* events);

  // Up to `max_events` events of the job with sequence >= from_sequence, in
  // order. Empty if there are none (whether or not the job exists).
  absl::StatusOr<std::vector<v1::JobEvent>> ReadEvents(const std::string& job_id,
                                                       int64_t from_sequence, int max_events);

 private:
  class Statement;
  MetadataStore(sqlite3* db, std::string path, Env* env)
      : db_(db), path_(std::move(path)), env_(env) {}

  absl::Status AddCreatedByColumn() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Exec(const char* sql) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<sqlite3_stmt*> Prepare(const char* sql) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Error(int rc, const std::string& what) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status InTransaction(const std::function<absl::Status()>& body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<v1::Job> GetJobLocked(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The id of the job stored under `request_id`, or "" if none.
  absl::StatusOr<std::string> JobIdForRequestLocked(const std::string& request_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteJobLocked(const v1::Job& job, bool insert) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status InsertEventLocked(const v1::JobEvent& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<v1::Dataset>> QueryDatasets(const char* sql, const std::string* arg)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  sqlite3* const db_;  // owned; used only with mu_ held
  const std::string path_;
  Env* const env_;
  absl::flat_hash_map<std::string, sqlite3_stmt*> statements_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fln

#endif  // FLN_SERVER_METADATA_STORE_H_
