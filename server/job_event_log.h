// File: job_event_log.h
//
// The per-job event stream: appending an event stores it (with the job's new
// state) in the MetadataStore and wakes every watcher; watchers read events
// back from the store by sequence number. Because a watcher always replays
// from the store and only uses the in-memory notification to know *when* to
// look again, replay-then-follow has no gaps and no duplicates by
// construction, and any number of watchers of one job see the same stream.
//
//   JobEventLog log(store);
//   log.Append(job_id, mutate, {event});        // producer (job manager)
//   ...
//   int64_t next = from_sequence;              // consumer (Watch handler)
//   for (;;) {
//     for (const v1::JobEvent& e : *store->ReadEvents(job_id, next, 256)) {
//       Send(e); next = e.sequence() + 1;
//     }
//     log.WaitForSequence(job_id, next, absl::Now() + heartbeat);
//   }
//
// Thread-safe.
#ifndef FLN_SERVER_JOB_EVENT_LOG_H_
#define FLN_SERVER_JOB_EVENT_LOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/service.pb.h"
#include "server/metadata_store.h"

namespace fln {

class JobEventLog {
 public:
  // `store` must outlive this object. `max_watchers` bounds concurrent
  // watchers (each holds a server thread).
  JobEventLog(MetadataStore* store, int max_watchers)
      : store_(store), max_watchers_(max_watchers) {}

  // MetadataStore::UpdateJob (state change and events in one transaction),
  // then wakes the job's watchers. Returns the updated job.
  absl::StatusOr<v1::Job> Append(const std::string& job_id,
                                 const MetadataStore::JobMutation& mutate,
                                 std::vector<v1::JobEvent> events);

  // Records that `job` (just created with its first event) exists so
  // watchers waiting on it are woken.
  void NoteSequence(const std::string& job_id, int64_t last_sequence);

  enum class WaitResult { kReady, kTimeout, kShutdown };
  // Blocks until an event with sequence >= `next_sequence` may have been
  // stored for the job since this process started, `deadline` passes, or
  // Shutdown is called. kReady can be spurious for events stored before the
  // log existed: callers re-read the store and wait again.
  WaitResult WaitForSequence(const std::string& job_id, int64_t next_sequence,
                             absl::Time deadline);

  // A watcher slot: RESOURCE_EXHAUSTED when max_watchers are watching,
  // UNAVAILABLE after Shutdown. Release with ReleaseWatcher.
  absl::Status AcquireWatcher();
  void ReleaseWatcher();

  // Wakes every watcher with kShutdown, now and for every later wait.
  void Shutdown();
  bool shutting_down() const;

 private:
  MetadataStore* const store_;
  const int max_watchers_;
  mutable absl::Mutex mu_;
  // Highest stored sequence per job seen by this process.
  absl::flat_hash_map<std::string, int64_t> last_sequence_ ABSL_GUARDED_BY(mu_);
  int watchers_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace fln

#endif  // FLN_SERVER_JOB_EVENT_LOG_H_
