#include "server/job_event_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace fln {

absl::StatusOr<v1::Job> JobEventLog::Append(const std::string& job_id,
                                            const MetadataStore::JobMutation& mutate,
                                            std::vector<v1::JobEvent> events) {
  FLN_ASSIGN_OR_RETURN(v1::Job job, store_->UpdateJob(job_id, mutate, &events));
  NoteSequence(job_id, job.last_sequence());
  return job;
}

void JobEventLog::NoteSequence(const std::string& job_id, int64_t last_sequence) {
  absl::MutexLock lock(&mu_);
  int64_t& known = last_sequence_[job_id];
  known = std::max(known, last_sequence);
}

JobEventLog::WaitResult JobEventLog::WaitForSequence(const std::string& job_id,
                                                     int64_t next_sequence,
                                                     absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (shutdown_) return true;
    auto it = last_sequence_.find(job_id);
    return it != last_sequence_.end() && it->second >= next_sequence;
  };
  const bool woke = mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
  if (shutdown_) return WaitResult::kShutdown;
  return woke ? WaitResult::kReady : WaitResult::kTimeout;
}

absl::Status JobEventLog::AcquireWatcher() {
  absl::MutexLock lock(&mu_);
  if (shutdown_) return absl::UnavailableError("server shutting down");
  if (watchers_ >= max_watchers_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "too many concurrent watches (", max_watchers_,
        "); close other watches or raise the server's --max_watchers"));
  }
  ++watchers_;
  return absl::OkStatus();
}

void JobEventLog::ReleaseWatcher() {
  absl::MutexLock lock(&mu_);
  --watchers_;
}

void JobEventLog::Shutdown() {
  absl::MutexLock lock(&mu_);
  shutdown_ = true;
}

bool JobEventLog::shutting_down() const {
  absl::MutexLock lock(&mu_);
  return shutdown_;
}

}  // namespace fln
