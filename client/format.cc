#include "client/format.h"

#include <algorithm>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/json_output.h"

namespace fln {
namespace client {
namespace {

std::string Percent(double fraction) { return absl::StrFormat("%.1f%%", 100.0 * fraction); }

// Three significant digits, enough to follow a loss going down.
std::string Figure(double value) { return absl::StrFormat("%.3g", value); }

std::string Time(int64_t micros) {
  if (micros <= 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMicros(micros),
                          absl::LocalTimeZone());
}

std::string ModelShape(const v1::ModelSpec& spec) {
  std::vector<std::string> widths = {absl::StrCat(spec.input_size())};
  for (const v1::LayerSpec& layer : spec.layers()) {
    if (layer.has_conv2d()) {
      const v1::Conv2dLayer& conv = layer.conv2d();
      widths.push_back(absl::StrCat("conv ", conv.filters(), "@", conv.kernel_size(), "x",
                                    conv.kernel_size()));
    } else if (layer.has_avg_pool()) {
      widths.push_back("avgpool 2");
    } else {
      widths.push_back(absl::StrCat(layer.dense().units()));
    }
  }
  return absl::StrJoin(widths, " -> ");
}

std::string ScheduleSummary(const v1::Schedule& schedule) {
  return absl::StrFormat("%s, %d epochs, batch %d, seed %d", v1::Method_Name(schedule.method()),
                         schedule.epochs(), schedule.batch_size(), schedule.seed());
}

std::string TestSource(const v1::Job& job) {
  if (!job.test_dataset_id().empty()) return job.test_dataset_id();
  if (job.holdout_fraction() > 0) return absl::StrFormat("holdout %g", job.holdout_fraction());
  return "none";
}

}  // namespace

std::string StateName(v1::JobState state) { return v1::JobState_Name(state); }

std::string CodeName(int code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

std::string DatasetHeader() {
  return absl::StrFormat("%-24s %-24s %9s %8s %7s  %s", "ID", "NAME", "SAMPLES", "FEATURES",
                         "CLASSES", "SOURCE");
}

std::string DatasetLine(const v1::Dataset& d) {
  return absl::StrFormat("%-24s %-24s %9d %8d %7d  %s", d.id(), d.name(), d.num_samples(),
                         d.num_features(), d.num_classes(), d.source());
}

std::string JobHeader() {
  return absl::StrFormat("%-24s %-10s %7s %8s  %s", "ID", "STATE", "EPOCHS", "TEST_ACC", "NAME");
}

std::string JobLine(const v1::Job& job) {
  const double test_accuracy = job.latest_metrics().test_accuracy();
  const bool has_test = job.epochs_completed() > 0 && test_accuracy >= 0;
  return absl::StrFormat("%-24s %-10s %7s %8s  %s", job.id(), StateName(job.state()),
                         absl::StrCat(job.epochs_completed(), "/", job.schedule().epochs()),
                         has_test ? Percent(test_accuracy) : "-", job.name());
}

std::string JobDetails(const v1::Job& job) {
  std::string state = StateName(job.state());
  if (job.cancel_requested() && !(job.state() == v1::CANCELLED)) {
    absl::StrAppend(&state, " (cancel requested)");
  }
  std::string text = absl::StrCat(                                         //
      "id:        ", job.id(), "\n",                                       //
      "name:      ", job.name(), "\n",                                     //
      "state:     ", state, "\n",                                          //
      "train:     ", job.train_dataset_id(), "\n",                         //
      "test:      ", TestSource(job), "\n",                                //
      "model:     ", ModelShape(job.model()), "\n",                        //
      "schedule:  ", ScheduleSummary(job.schedule()), "\n",                //
      "epochs:    ", job.epochs_completed(), "/", job.schedule().epochs(), "\n");
  if (job.epochs_completed() > 0) {
    absl::StrAppend(&text, "metrics:   ",
                    ProgressLine(job.latest_metrics(), job.schedule().epochs()), "\n");
  }
  absl::StrAppend(&text, "created:   ", Time(job.created_at_micros()), "\n",  //
                  "started:   ", Time(job.started_at_micros()), "\n",          //
                  "finished:  ", Time(job.finished_at_micros()));
  if (job.error_code() != 0 || !job.error_message().empty()) {
    absl::StrAppend(&text, "\nerror:     ", CodeName(job.error_code()), ": ", job.error_message());
  }
  if (job.processes() > 1) absl::StrAppend(&text, "\nprocesses: ", job.processes());
  if (!job.request_id().empty()) absl::StrAppend(&text, "\nrequest:   ", job.request_id());
  if (!job.created_by().empty()) absl::StrAppend(&text, "\ncreated_by: ", job.created_by());
  return text;
}

std::string ModelHeader() {
  return absl::StrFormat("%-24s %6s %-5s %8s  %s", "ID", "EPOCH", "FINAL", "TEST_ACC", "SHAPE");
}

std::string ModelLine(const v1::Model& model) {
  const double test_accuracy = model.metrics().test_accuracy();
  return absl::StrFormat("%-24s %6d %-5s %8s  %s", model.id(), model.epoch(),
                         model.final() ? "yes" : "no",
                         test_accuracy >= 0 && model.epoch() > 0 ? Percent(test_accuracy) : "-",
                         ModelShape(model.spec()));
}

namespace {

std::string FigureList(const google::protobuf::RepeatedField<double>& values) {
  std::vector<std::string> figures;
  for (const double v : values) figures.push_back(Figure(v));
  return absl::StrCat("[", absl::StrJoin(figures, " "), "]");
}

std::vector<double> ToVector(const google::protobuf::RepeatedField<double>& values) {
  return std::vector<double>(values.begin(), values.end());
}

}  // namespace

std::string ProgressLine(const v1::MetricRecord& m, int total_epochs) {
  std::string line = total_epochs > 0 ? absl::StrCat("epoch ", m.epoch(), "/", total_epochs)
                                      : absl::StrCat("epoch ", m.epoch());
  if (!m.end_of_epoch()) {
    absl::StrAppend(&line, " batch ", m.batch(), "/", m.num_batches(), "  batch_loss ",
                    Figure(m.batch_loss()));
  }
  if (m.train_loss() >= 0) absl::StrAppend(&line, "  train_loss ", Figure(m.train_loss()));
  if (m.train_accuracy() >= 0) {
    absl::StrAppend(&line, "  train_accuracy ", Percent(m.train_accuracy()));
  }
  if (m.test_accuracy() >= 0) {
    absl::StrAppend(&line, "  test_accuracy ", Percent(m.test_accuracy()));
  }
  if (m.has_relaxed_objective()) {
    absl::StrAppend(&line, "  relaxed_objective_start ", Figure(m.relaxed_objective_start()),
                    "  relaxed_objective ", Figure(m.relaxed_objective()),
                    "  relaxed_gap_terms ", FigureList(m.relaxed_gap_terms()),
                    "  layer_gaps ", FigureList(m.layer_gaps()),
                    "  lambda ", FigureList(m.lambda()));
  }
  absl::StrAppend(&line, "  ", absl::StrFormat("%.1fs", m.elapsed_seconds()));
  return line;
}

std::string MetricsJson(const v1::JobEvent& event, int total_epochs) {
  const v1::MetricRecord& m = event.metrics();
  JsonObject o;
  o.AddString("event", "metrics")
      .AddString("job_id", event.job_id())
      .AddInt("sequence", event.sequence())
      .AddInt("epoch", m.epoch())
      .AddInt("epochs", total_epochs)
      .AddInt("batch", m.batch())
      .AddInt("num_batches", m.num_batches())
      .AddBool("end_of_epoch", m.end_of_epoch())
      .AddDoubleOrNull("train_loss", m.train_loss())
      .AddDoubleOrNull("train_accuracy", m.train_accuracy())
      .AddDoubleOrNull("test_loss", m.test_loss())
      .AddDoubleOrNull("test_accuracy", m.test_accuracy())
      .AddDoubleOrNull("batch_loss", m.batch_loss())
      .AddBool("has_relaxed_objective", m.has_relaxed_objective());
  if (m.has_relaxed_objective()) {
    o.AddDouble("relaxed_objective_start", m.relaxed_objective_start())
        .AddDouble("relaxed_objective", m.relaxed_objective())
        .AddDouble("relaxed_loss_term", m.relaxed_loss_term())
        .AddDoubleArray("relaxed_gap_terms", ToVector(m.relaxed_gap_terms()))
        .AddDouble("relaxed_proximal_term", m.relaxed_proximal_term())
        .AddDouble("relaxed_ridge_term", m.relaxed_ridge_term())
        .AddDoubleArray("layer_gaps", ToVector(m.layer_gaps()))
        .AddDoubleArray("lambda", ToVector(m.lambda()))
        .AddDoubleArray("rho_d", ToVector(m.rho_d()))
        .AddDouble("loss_weight", m.loss_weight());
  }
  o.AddDouble("seconds", m.elapsed_seconds()).AddInt("time_micros", event.time_micros());
  return o.str();
}

std::string WatchSummary(const v1::Job& job) {
  std::string line = absl::StrCat("job ", job.id(), " ", StateName(job.state()));
  if (job.state() == v1::FAILED) {
    absl::StrAppend(&line, ": ", CodeName(job.error_code()), ": ", job.error_message());
    return line;
  }
  absl::StrAppend(&line, " after ", job.epochs_completed(),
                  job.epochs_completed() == 1 ? " epoch" : " epochs");
  if (job.epochs_completed() > 0 && job.latest_metrics().test_accuracy() >= 0) {
    absl::StrAppend(&line, "  test_accuracy ", Percent(job.latest_metrics().test_accuracy()));
  }
  return line;
}

std::string WatchSummaryJson(const v1::Job& job, int64_t last_sequence) {
  JsonObject o;
  o.AddString("event", "end")
      .AddString("job_id", job.id())
      .AddString("state", StateName(job.state()))
      .AddInt("epochs_completed", job.epochs_completed())
      .AddInt("sequence", last_sequence);
  if (job.epochs_completed() > 0) {
    o.AddDoubleOrNull("test_accuracy", job.latest_metrics().test_accuracy());
  } else {
    o.AddNull("test_accuracy");
  }
  if (job.state() == v1::FAILED) {
    o.AddString("error_code", CodeName(job.error_code()))
        .AddString("error", absl::StrCat(CodeName(job.error_code()), ": ", job.error_message()));
  }
  return o.str();
}

std::string EvaluationText(const v1::EvaluateResponse& r) {
  std::string text = absl::StrFormat("accuracy %.2f%%  loss %.4f  samples %d", 100.0 * r.accuracy(),
                                     r.loss(), r.samples());
  const int k = r.num_classes();
  if (k <= 0 || r.confusion_size() != k * k) return text;
  int64_t largest = k - 1;
  for (const int64_t count : r.confusion()) largest = std::max(largest, count);
  const int width = std::max<int>(4, absl::StrCat(largest).size()) + 1;
  absl::StrAppend(&text, "\nconfusion matrix (rows: true class, columns: predicted)\n",
                  std::string(width, ' '));
  for (int p = 0; p < k; ++p) absl::StrAppend(&text, absl::StrFormat("%*d", width, p));
  for (int t = 0; t < k; ++t) {
    absl::StrAppend(&text, "\n", absl::StrFormat("%*d", width, t));
    for (int p = 0; p < k; ++p) {
      absl::StrAppend(&text, absl::StrFormat("%*d", width, r.confusion(t * k + p)));
    }
  }
  return text;
}

std::string EvaluationJson(const v1::EvaluateResponse& r, const std::string& model_id,
                           const std::string& dataset_id) {
  const int k = r.num_classes();
  std::vector<std::string> rows;
  if (k > 0 && r.confusion_size() == k * k) {
    for (int t = 0; t < k; ++t) {
      rows.push_back(absl::StrCat(
          "[", absl::StrJoin(r.confusion().begin() + t * k, r.confusion().begin() + (t + 1) * k, ","),
          "]"));
    }
  }
  JsonObject o;
  o.AddString("model_id", model_id)
      .AddString("dataset_id", dataset_id)
      .AddInt("samples", r.samples())
      .AddDouble("accuracy", r.accuracy())
      .AddDouble("loss", r.loss())
      .AddInt("num_classes", k)
      .AddRaw("confusion", absl::StrCat("[", absl::StrJoin(rows, ","), "]"));
  return o.str();
}

}  // namespace client
}  // namespace fln
