// File: format.h
//
// Human-readable output of the `fln` CLI (without --json), and the JSON
// objects the CLI builds itself (watch events). Pure functions of protos, so
// they are tested without a server.
#ifndef FLN_CLIENT_FORMAT_H_
#define FLN_CLIENT_FORMAT_H_

#include <cstdint>
#include <string>

#include "proto/service.pb.h"

namespace fln {
namespace client {

// "QUEUED", "SUCCEEDED", ... (the enum's name).
std::string StateName(v1::JobState state);

// "NOT_FOUND", "INVALID_ARGUMENT", ... for a canonical code number.
std::string CodeName(int code);

// One line per dataset: id, name, shape, classes, source.
std::string DatasetHeader();
std::string DatasetLine(const v1::Dataset& dataset);

// One line per job: id, state, epochs done / planned, test accuracy, name.
std::string JobHeader();
std::string JobLine(const v1::Job& job);

// `fln job get`: several "key: value" lines.
std::string JobDetails(const v1::Job& job);

// One line per model: id, epoch, final, test accuracy.
std::string ModelHeader();
std::string ModelLine(const v1::Model& model);

// `fln watch`, one per epoch, with the MetricRecord field names:
//   epoch 3/20  train_loss 0.41  train_accuracy 86.1%  test_accuracy 84.9%
//   relaxed_objective_start 4.1  relaxed_objective 2.33  relaxed_gap_terms [0.02]
//   layer_gaps [0.01]  lambda [2]  12.3s          (one line)
// A batch record starts "epoch 3/20 batch 5/120  batch_loss 0.38". Figures
// the record does not carry (negative: no test set or a batch record;
// backprop has no relaxed objective) are left out. `total_epochs` <= 0
// prints "epoch 3".
std::string ProgressLine(const v1::MetricRecord& metrics, int total_epochs);

// `fln --json watch`, one per metric event: every MetricRecord field under
// its proto name (the relaxed-objective fields only when
// has_relaxed_objective), plus "event":"metrics", "sequence", "job_id" and
// "seconds" (= elapsed_seconds); unavailable figures are null.
std::string MetricsJson(const v1::JobEvent& event, int total_epochs);

// The closing summary of `fln watch`:
//   job j-12 SUCCEEDED after 3 epochs  test_acc 84.9%
//   job j-12 FAILED: INVALID_ARGUMENT: schedule.batch_size must be > 0, got 0
std::string WatchSummary(const v1::Job& job);
// {"event":"end","job_id":...,"state":"SUCCEEDED","epochs_completed":3,
//  "sequence":N,"test_accuracy":...} plus "error" and "error_code" (code name)
// when the job failed.
std::string WatchSummaryJson(const v1::Job& job, int64_t last_sequence);

// `fln evaluate`: accuracy, loss, samples, then the confusion matrix (rows
// are true classes, columns predicted).
std::string EvaluationText(const v1::EvaluateResponse& response);
// {"model_id","dataset_id","samples","accuracy","loss","num_classes",
//  "confusion":[[row of true class 0],...]}: all numbers.
std::string EvaluationJson(const v1::EvaluateResponse& response, const std::string& model_id,
                           const std::string& dataset_id);

}  // namespace client
}  // namespace fln

#endif  // FLN_CLIENT_FORMAT_H_
