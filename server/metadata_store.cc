#include "server/metadata_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/status_macros.h"
#include "server/sqlite_env_vfs.h"

namespace fln {

// A cached prepared statement in use: binds by 1-based index, steps, reads
// columns, and resets itself (keeping the compiled SQL) when it goes away.
class MetadataStore::Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Statement& BindText(int index, const std::string& value) {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Statement& BindBlob(int index, const std::string& value) {
    sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  int64_t Int(int column) { return sqlite3_column_int64(stmt_, column); }
  std::string Blob(int column) {
    const void* data = sqlite3_column_blob(stmt_, column);
    const int size = sqlite3_column_bytes(stmt_, column);
    return data == nullptr ? std::string() : std::string(static_cast<const char*>(data), size);
  }
  std::string Text(int column) { return Blob(column); }

 private:
  sqlite3_stmt* const stmt_;
};

namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS datasets(
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  proto BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS jobs(
  ord INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  state INTEGER NOT NULL,
  train_dataset_id TEXT NOT NULL,
  test_dataset_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  proto BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state, ord);
CREATE TABLE IF NOT EXISTS events(
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  time_micros INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  payload BLOB NOT NULL,
  PRIMARY KEY(job_id, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS request_ids(
  request_id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL);
PRAGMA user_version = 1;
)sql";

absl::Status SqliteStatus(int rc, const std::string& message) {
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(absl::StrCat(message, " (disk full)"));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

template <typename Proto>
absl::StatusOr<Proto> ParseRow(const std::string& bytes, const char* what) {
  Proto proto;
  if (!proto.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("metadata store: a stored ", what, " does not parse"));
  }
  return proto;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetadataStore>> MetadataStore::Open(const std::string& path,
                                                                   Env* env) {
  FLN_ASSIGN_OR_RETURN(const std::string vfs, SqliteVfsFor(env));
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 vfs.empty() ? nullptr : vfs.c_str());
  if (rc != SQLITE_OK) {
    const std::string message =
        absl::StrCat(path, ": cannot open database: ", db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return SqliteStatus(rc, message);
  }
  std::unique_ptr<MetadataStore> store(new MetadataStore(db, path, env));
  absl::MutexLock lock(&store->mu_);
  sqlite3_busy_timeout(db, 5000);
  FLN_RETURN_IF_ERROR(store->Exec("PRAGMA journal_mode=WAL"));
  FLN_RETURN_IF_ERROR(store->Exec("PRAGMA synchronous=FULL"));
  FLN_RETURN_IF_ERROR(store->Exec(kSchema));
  FLN_RETURN_IF_ERROR(store->AddCreatedByColumn());
  return store;
}

MetadataStore::~MetadataStore() {
  absl::MutexLock lock(&mu_);
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

absl::Status MetadataStore::Error(int rc, const std::string& what) {
  return SqliteStatus(rc, absl::StrCat(path_, ": ", what, ": ", sqlite3_errmsg(db_)));
}

absl::Status MetadataStore::AddCreatedByColumn() {
  // Databases written before jobs recorded their creator lack the column.
  sqlite3_stmt* probe = nullptr;
  const int rc = sqlite3_prepare_v2(db_, "SELECT created_by FROM jobs LIMIT 0", -1, &probe,
                                    nullptr);
  sqlite3_finalize(probe);
  if (rc == SQLITE_OK) return absl::OkStatus();
  return Exec("ALTER TABLE jobs ADD COLUMN created_by TEXT NOT NULL DEFAULT ''");
}

absl::Status MetadataStore::Exec(const char* sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    const std::string message = error != nullptr ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    return SqliteStatus(rc, absl::StrCat(path_, ": ", message));
  }
  return absl::OkStatus();
}

absl::StatusOr<sqlite3_stmt*> MetadataStore::Prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(rc, absl::StrCat("prepare ", sql));
  statements_.emplace(sql, stmt);
  return stmt;
}

absl::Status MetadataStore::InTransaction(const std::function<absl::Status()>& body) {
  FLN_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  absl::Status status = body();
  if (status.ok()) status = Exec("COMMIT");
  if (!status.ok()) Exec("ROLLBACK").IgnoreError();
  return status;
}

// ---------------------------------------------------------------- Datasets

absl::Status MetadataStore::InsertDataset(const v1::Dataset& dataset) {
  absl::MutexLock lock(&mu_);
  FLN_ASSIGN_OR_RETURN(sqlite3_stmt * raw,
                       Prepare("INSERT INTO datasets(id, source, created_at, proto) "
                               "VALUES(?1, ?2, ?3, ?4)"));
  Statement stmt(raw);
  stmt.BindText(1, dataset.id())
      .BindText(2, dataset.source())
      .Bind(3, dataset.created_at_micros())
      .BindBlob(4, dataset.SerializeAsString());
  const int rc = stmt.Step();
  if (rc != SQLITE_DONE) return Error(rc, absl::StrCat("insert dataset ", dataset.id()));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Dataset>> MetadataStore::QueryDatasets(const char* sql,
                                                                      const std::string* arg) {
  FLN_ASSIGN_OR_RETURN(sqlite3_stmt * raw, Prepare(sql));
  Statement stmt(raw);
  if (arg != nullptr) stmt.BindText(1, *arg);
  std::vector<v1::Dataset> out;
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) {
    FLN_ASSIGN_OR_RETURN(v1::Dataset dataset, ParseRow<v1::Dataset>(stmt.Blob(0), "dataset"));
    out.push_back(std::move(dataset));
  }
  if (rc != SQLITE_DONE) return Error(rc, "read datasets");
  return out;
}

absl::StatusOr<v1::Dataset> MetadataStore::GetDataset(const std::string& id) {
  absl::MutexLock lock(&mu_);
  FLN_ASSIGN_OR_RETURN(std::vector<v1::Dataset> found,
                       QueryDatasets("SELECT proto FROM datasets WHERE id = ?1", &id));
  if (found.empty()) return absl::NotFoundError(absl::StrCat("dataset '", id, "' not found"));
  return std::move(found.front());
}

absl::StatusOr<std::vector<v1::Dataset>> MetadataStore::ListDatasets() {
  absl::MutexLock lock(&mu_);
  return QueryDatasets("SELECT proto FROM datasets ORDER BY created_at, id", nullptr);
}

absl::StatusOr<std::vector<v1::Dataset>> MetadataStore::FindDatasetsBySource(
    const std::string& source) {
  absl::MutexLock lock(&mu_);
  return QueryDatasets("SELECT proto FROM datasets WHERE source = ?1 ORDER BY created_at, id",
                       &source);
}

absl::Status MetadataStore::DeleteDataset(const std::string& id) {
  absl::MutexLock lock(&mu_);
  return InTransaction([&]() -> absl::Status {
    {
      FLN_ASSIGN_OR_RETURN(sqlite3_stmt * raw,
                           Prepare("SELECT id, state FROM jobs WHERE state IN (1, 2) AND "
                                   "(train_dataset_id = ?1 OR test_dataset_id = ?1) LIMIT 1"));
      Statement stmt(raw);
      stmt.BindText(1, id);
      const int rc = stmt.Step();
      if (rc == SQLITE_ROW) {
        return absl::FailedPreconditionError(absl::StrCat(
            "dataset '", id, "' is used by job ", stmt.Text(0), " (",
            v1::JobState_Name(static_cast<v1::JobState>(stmt.Int(1))),
            "); cancel it or wait for it to end before deleting the dataset"));
      }
      if (rc != SQLITE_DONE) return Error(rc, "find jobs using a dataset");
    }
    FLN_ASSIGN_OR_RETURN(sqlite3_stmt * raw, Prepare("DELETE FROM datasets WHERE id = ?1"));
    Statement stmt(raw);
    stmt.BindText(1, id);
    const int rc = stmt.Step();
    if (rc != SQLITE_DONE) return Error(rc, absl::StrCat("delete dataset ", id));
    if (sqlite3_changes(db_) == 0) {
      return absl::NotFoundError(absl::StrCat("dataset '", id, "' not found"));
    }
    return absl::OkStatus();
  });
}

// -------------------------------------------------------------------- Jobs

absl::StatusOr<v1::Job> MetadataStore::GetJobLocked(const std::string& id) {
  FLN_ASSIGN_OR_RETURN(sqlite3_stmt * raw, Prepare("SELECT proto FROM jobs WHERE id = ?1"));
  Statement stmt(raw);
  stmt.BindText(1, id);
  const int rc = stmt.Step();
  if (rc == SQLITE_DONE) return absl::NotFoundError(absl::StrCat("job '", id, "' not found"));
  if (rc != SQLITE_ROW) return Error(rc, absl::StrCat("read job ", id));
  return ParseRow<v1::Job>(stmt.Blob(0), "job");
}

absl::StatusOr<v1::Job> MetadataStore::GetJob(const std::string& id) {
  absl::MutexLock lock(&mu_);
  return GetJobLocked(id);
}

absl::StatusOr<std::string> MetadataStore::JobIdForRequestLocked(const std::string& request_id) {
  FLN_ASSIGN_OR_RETURN(sqlite3_stmt * raw,
                       Prepare("SELECT job_id FROM request_ids WHERE request_id = ?1"));
  Statement stmt(raw);
  stmt.BindText(1, request_id);
  const int rc = stmt.Step();
  if (rc == SQLITE_ROW) return std::string(stmt.Text(0));
  if (rc != SQLITE_DONE) return Error(rc, "look up request_id");
  return std::string();
}

absl::StatusOr<std::optional<v1::Job>> MetadataStore::FindJobByRequestId(
    const std::string& request_id) {
  absl::MutexLock lock(&mu_);
  FLN_ASSIGN_OR_RETURN(const std::string id, JobIdForRequestLocked(request_id));
  if (id.empty()) return std::optional<v1::Job>();
  FLN_ASSIGN_OR_RETURN(v1::Job job, GetJobLocked(id));
  return std::optional<v1::Job>(std::move(job));
}

absl::Status MetadataStore::WriteJobLocked(const v1::Job& job, bool insert) {
  FLN_ASSIGN_OR_RETURN(
      sqlite3_stmt * raw,
      Prepare(insert ? "INSERT INTO jobs(id, state, train_dataset_id, test_dataset_id, "
                       "created_at, proto, created_by) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                     : "UPDATE jobs SET state = ?2, train_dataset_id = ?3, test_dataset_id = ?4, "
                       "created_at = ?5, proto = ?6, created_by = ?7 WHERE id = ?1"));
  Statement stmt(raw);
  stmt.BindText(1, job.id())
      .Bind(2, job.state())
      .BindText(3, job.train_dataset_id())
      .BindText(4, job.test_dataset_id())
      .Bind(5, job.created_at_micros())
      .BindBlob(6, job.SerializeAsString())
      .BindText(7, job.created_by());
  const int rc = stmt.Step();
  if (rc != SQLITE_DONE) return Error(rc, absl::StrCat("write job ", job.id()));
  return absl::OkStatus();
}

absl::Status MetadataStore::InsertEventLocked(const v1::JobEvent& event) {
  FLN_ASSIGN_OR_RETURN(sqlite3_stmt * raw,
                       Prepare("INSERT INTO events(job_id, seq, time_micros, kind, payload) "
                               "VALUES(?1, ?2, ?3, ?4, ?5)"));
  Statement stmt(raw);
  stmt.BindText(1, event.job_id())
      .Bind(2, event.sequence())
      .Bind(3, event.time_micros())
      .Bind(4, event.kind_case())
      .BindBlob(5, event.SerializeAsString());
  const int rc = stmt.Step();
  if (rc != SQLITE_DONE) {
    return Error(rc, absl::StrCat("append event ", event.sequence(), " of job ", event.job_id()));
  }
  return absl::OkStatus();
}

absl::StatusOr<MetadataStore::InsertJobResult> MetadataStore::InsertJob(
    const v1::Job& job, v1::JobEvent first_event) {
  absl::MutexLock lock(&mu_);
  InsertJobResult result;
  FLN_RETURN_IF_ERROR(InTransaction([&]() -> absl::Status {
    if (!job.request_id().empty()) {
      FLN_ASSIGN_OR_RETURN(const std::string earlier, JobIdForRequestLocked(job.request_id()));
      if (!earlier.empty()) {
        FLN_ASSIGN_OR_RETURN(result.job, GetJobLocked(earlier));
        result.created = false;
        return absl::OkStatus();
      }
    }
    const std::pair<const char*, const std::string*> datasets[] = {
        {"train_dataset_id", &job.train_dataset_id()}, {"test_dataset_id", &job.test_dataset_id()}};
    for (const auto& [field, id] : datasets) {
      if (id->empty()) continue;
      FLN_ASSIGN_OR_RETURN(sqlite3_stmt * raw, Prepare("SELECT 1 FROM datasets WHERE id = ?1"));
      Statement stmt(raw);
      stmt.BindText(1, *id);
      const int rc = stmt.Step();
      if (rc == SQLITE_DONE) {
        return absl::NotFoundError(absl::StrCat(field, ": dataset '", *id, "' not found"));
      }
      if (rc != SQLITE_ROW) return Error(rc, "look up dataset");
    }
    result.job = job;
    result.job.set_last_sequence(1);
    result.created = true;
    first_event.set_sequence(1);
    first_event.set_job_id(job.id());
    if (first_event.time_micros() == 0) first_event.set_time_micros(env_->NowMicros());
    FLN_RETURN_IF_ERROR(WriteJobLocked(result.job, /*insert=*/true));
    FLN_RETURN_IF_ERROR(InsertEventLocked(first_event));
    if (!job.request_id().empty()) {
      FLN_ASSIGN_OR_RETURN(sqlite3_stmt * raw,
                           Prepare("INSERT INTO request_ids(request_id, job_id) VALUES(?1, ?2)"));
      Statement stmt(raw);
      stmt.BindText(1, job.request_id()).BindText(2, job.id());
      const int rc = stmt.Step();
      if (rc != SQLITE_DONE) return Error(rc, "record request_id");
    }
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<MetadataStore::JobPage> MetadataStore::ListJobs(v1::JobState state, int page_size,
                                                               const std::string& page_token,
                                                               const std::string& created_by) {
  int64_t before = INT64_MAX;
  if (!page_token.empty() && (!absl::SimpleAtoi(page_token, &before) || before <= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_token '", page_token, "' is not a token returned by List"));
  }
  absl::MutexLock lock(&mu_);
  FLN_ASSIGN_OR_RETURN(sqlite3_stmt * raw,
                       Prepare("SELECT ord, proto FROM jobs WHERE (?1 = 0 OR state = ?1) AND "
                               "(?4 = '' OR created_by = ?4) AND ord < ?2 ORDER BY ord DESC "
                               "LIMIT ?3"));
  Statement stmt(raw);
  stmt.Bind(1, state).Bind(2, before).Bind(3, int64_t{page_size} + 1).BindText(4, created_by);
  JobPage page;
  int64_t last_ord = 0;
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) {
    if (static_cast<int>(page.jobs.size()) == page_size) {
      page.next_page_token = absl::StrCat(last_ord);
      break;
    }
    last_ord = stmt.Int(0);
    FLN_ASSIGN_OR_RETURN(v1::Job job, ParseRow<v1::Job>(stmt.Blob(1), "job"));
    page.jobs.push_back(std::move(job));
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Error(rc, "list jobs");
  return page;
}

absl::StatusOr<std::vector<v1::Job>> MetadataStore::ListJobsInStates(
    const std::vector<v1::JobState>& states) {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<int64_t, v1::Job>> found;
  for (v1::JobState state : states) {
    FLN_ASSIGN_OR_RETURN(sqlite3_stmt * raw,
                         Prepare("SELECT ord, proto FROM jobs WHERE state = ?1 ORDER BY ord"));
    Statement stmt(raw);
    stmt.Bind(1, state);
    int rc;
    while ((rc = stmt.Step()) == SQLITE_ROW) {
      FLN_ASSIGN_OR_RETURN(v1::Job job, ParseRow<v1::Job>(stmt.Blob(1), "job"));
      found.emplace_back(stmt.Int(0), std::move(job));
    }
    if (rc != SQLITE_DONE) return Error(rc, "list jobs by state");
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<v1::Job> jobs;
  for (auto& [ord, job] : found) jobs.push_back(std::move(job));
  return jobs;
}

absl::StatusOr<v1::Job> MetadataStore::UpdateJob(const std::string& id, const JobMutation& mutate,
                                                 std::vector<v1::JobEvent>* events) {
  absl::MutexLock lock(&mu_);
  v1::Job job;
  FLN_RETURN_IF_ERROR(InTransaction([&]() -> absl::Status {
    FLN_ASSIGN_OR_RETURN(job, GetJobLocked(id));
    if (mutate) FLN_RETURN_IF_ERROR(mutate(&job));
    job.set_id(id);  // a mutation cannot rename the job
    if (events != nullptr) {
      const int64_t now = env_->NowMicros();
      for (v1::JobEvent& event : *events) {
        event.set_sequence(job.last_sequence() + 1);
        event.set_job_id(id);
        if (event.time_micros() == 0) event.set_time_micros(now);
        FLN_RETURN_IF_ERROR(InsertEventLocked(event));
        job.set_last_sequence(event.sequence());
      }
    }
    return WriteJobLocked(job, /*insert=*/false);
  }));
  return job;
}

absl::StatusOr<std::vector<v1::JobEvent>> MetadataStore::ReadEvents(const std::string& job_id,
                                                                    int64_t from_sequence,
                                                                    int max_events) {
  absl::MutexLock lock(&mu_);
  FLN_ASSIGN_OR_RETURN(sqlite3_stmt * raw,
                       Prepare("SELECT payload FROM events WHERE job_id = ?1 AND seq >= ?2 "
                               "ORDER BY seq LIMIT ?3"));
  Statement stmt(raw);
  stmt.BindText(1, job_id).Bind(2, from_sequence).Bind(3, max_events);
  std::vector<v1::JobEvent> events;
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) {
    FLN_ASSIGN_OR_RETURN(v1::JobEvent event, ParseRow<v1::JobEvent>(stmt.Blob(0), "event"));
    events.push_back(std::move(event));
  }
  if (rc != SQLITE_DONE) return Error(rc, "read events");
  return events;
}

}  // namespace fln
