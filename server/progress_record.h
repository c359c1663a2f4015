// File: progress_record.h
//
// A training run's ProgressReport (core/train.h) as the API's MetricRecord,
// the form in which job histories are stored and streamed. Shared by the
// in-process trainer (job_manager.cc) and the multi-process worker.
#ifndef FLN_SERVER_PROGRESS_RECORD_H_
#define FLN_SERVER_PROGRESS_RECORD_H_

#include "core/train.h"
#include "proto/service.pb.h"

namespace fln {

// Every field of the report; produced_at_micros is left to the caller.
v1::MetricRecord ToRecord(const ProgressReport& report);

}  // namespace fln

#endif  // FLN_SERVER_PROGRESS_RECORD_H_
