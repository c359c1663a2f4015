// fln_bench: trains FLN or backprop on an IDX dataset (Fashion-MNIST by
// default) and reports per-epoch accuracy, time and the fraction of the
// machine's GEMM limit reached.
//
//   bazel run -c opt //bench:fln_bench -- --dataset=fashion-mnist \
//       --model=mlp:300 --method=fln --epochs=5 --threads=2 --seed=1 --json
//
// Data-parallel under mpirun (../shared/docs/mpi-notes.md): every rank reads
// the dataset itself and trains on its shard of every batch; rank 0 prints
// the same lines plus ranks, threads per rank and the all-reduce figures.
//
//   mpirun --allow-run-as-root --bind-to none -np 2 bazel-bin/bench/fln_bench \
//       --model=mlp:300 --method=fln --epochs=5 --threads=1 --seed=1 --json
#include <omp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/flop_count.h"
#include "bench/gemm_probe.h"
#include "bench/machine_load.h"
#include "bench/ranks.h"
#include "client/user_path.h"
#include "core/allocator_settings.h"
#include "core/gemm.h"
#include "core/idx_reader.h"
#include "core/model_shorthand.h"
#include "core/network.h"
#include "core/train.h"
#include "core/validation.h"
#include "google/protobuf/text_format.h"
#include "third_party/openblas_kernel.h"

ABSL_FLAG(std::string, dataset, "fashion-mnist",
          "'fashion-mnist' (/usr/share/datasets/fashion-mnist) or a folder with the four "
          "standard IDX files (raw or .gz)");
ABSL_FLAG(std::string, model, "mlp:300", "mlp:W1[,W2...], linear or lenet5");
ABSL_FLAG(std::string, method, "fln", "fln or backprop");
ABSL_FLAG(int, epochs, 5, "training epochs");
ABSL_FLAG(int, threads, 2, "OpenMP threads (also used by the GEMM probe)");
ABSL_FLAG(uint64_t, seed, 1, "seed for init and data order");
ABSL_FLAG(bool, json, false, "one JSON object per epoch, then a summary object");
ABSL_FLAG(double, target_accuracy, 0.88,
          "the summary's seconds_to_target: training seconds until the first test evaluation "
          "(see --evals_per_epoch) whose accuracy reaches this; seconds_to_stay_at_target: "
          "until the evaluation from which every later one in the run reaches it");
ABSL_FLAG(int, evals_per_epoch, 1,
          "test evaluations per epoch: N > 1 also evaluates after every (batches / N)-th batch "
          "(not timed), for a finer seconds_to_target");
ABSL_FLAG(int, limit_train, 0, "train on the first N training images (0 = all)");
ABSL_FLAG(int, limit_test, 0, "test on the first N test images (0 = all)");
ABSL_FLAG(int, validation, 0,
          "hold out the last N training images and evaluate on them instead of the test set "
          "(for choosing settings without the test split; 0 = evaluate on the test set)");
ABSL_FLAG(int, batch_size, 0, "0 = the method's default (FLN 500, backprop 128)");
ABSL_FLAG(std::string, schedule, "", "text-proto fln.v1.Schedule file; flags below override it");
ABSL_FLAG(double, lr, 0, "backprop learning rate (0 = default 1e-3)");
ABSL_FLAG(std::string, optimizer, "adam", "backprop optimizer: adam or sgd");
ABSL_FLAG(std::string, lambda, "", "FLN lambda per hidden layer, comma-separated");
ABSL_FLAG(std::string, c, "", "FLN c per lifted layer, comma-separated");
ABSL_FLAG(std::string, rho_d, "", "FLN proximal coefficient in F per layer, comma-separated");
ABSL_FLAG(std::string, rho, "", "FLN ridge coefficient in F per layer, comma-separated");
ABSL_FLAG(std::string, x_solver, "", "fista or pg");
ABSL_FLAG(std::string, w_solver, "", "gram, fista or pg");
ABSL_FLAG(int, x_iters, 0, "X-block iteration cap (0 = default)");
ABSL_FLAG(int, w_iters, 0, "W-block iteration cap (0 = default)");
ABSL_FLAG(int, alternations, 0, "BCD rounds per batch (0 = default 1)");
ABSL_FLAG(double, lambda_growth, 0, "FLN lambda factor per epoch (0 = the schedule's)");
ABSL_FLAG(double, rho_d_growth, 0, "FLN rho_d factor per epoch (0 = the schedule's)");
ABSL_FLAG(std::string, w_inputs, "",
          "FLN W-block inputs: lifted or feed_forward (empty = the schedule's)");
ABSL_FLAG(bool, report_batches, false,
          "also print one JSON line per batch with that batch's loss and relaxed objective");
ABSL_FLAG(bool, profile, false,
          "print seconds and iterations per FLN block each epoch (each block's own wall time: "
          "setting it up and solving it), and the training time outside the blocks");
ABSL_FLAG(double, max_load, 0.10,
          "flag the run as contaminated when other processes used more than this share of the "
          "machine's CPU");

namespace fln {
namespace {

constexpr char kFashionMnistDir[] = "/usr/share/datasets/fashion-mnist";

bool ParseFloatList(const std::string& text, google::protobuf::RepeatedField<float>* out) {
  if (text.empty()) return true;
  out->Clear();
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    float value;
    if (!absl::SimpleAtof(item, &value)) return false;
    out->Add(value);
  }
  return true;
}

v1::BlockSolver SolverByName(const std::string& name) {
  if (name == "fista") return v1::FISTA;
  if (name == "pg") return v1::PROJECTED_GRADIENT;
  if (name == "gram") return v1::GRAM_PRECONDITIONED;
  return v1::SOLVER_UNSPECIFIED;
}

absl::StatusOr<v1::Schedule> BuildSchedule() {
  v1::Schedule schedule;
  const std::string path = absl::GetFlag(FLAGS_schedule);
  if (!path.empty()) {
    std::ifstream in(ResolveUserPath(path));
    std::stringstream text;
    text << in.rdbuf();
    if (!in || !google::protobuf::TextFormat::ParseFromString(text.str(), &schedule)) {
      return absl::InvalidArgumentError(absl::StrCat("cannot parse schedule file ", path));
    }
  }
  const std::string method = absl::GetFlag(FLAGS_method);
  if (method == "fln") {
    schedule.set_method(v1::FLN);
  } else if (method == "backprop") {
    schedule.set_method(v1::BACKPROP);
  } else {
    return absl::InvalidArgumentError("--method must be fln or backprop");
  }
  schedule.set_epochs(absl::GetFlag(FLAGS_epochs));
  schedule.set_seed(absl::GetFlag(FLAGS_seed));
  schedule.set_limit_train(absl::GetFlag(FLAGS_limit_train));
  if (absl::GetFlag(FLAGS_report_batches)) schedule.set_report_batches(true);
  int batch = absl::GetFlag(FLAGS_batch_size);
  if (batch == 0 && schedule.batch_size() == 0) batch = method == "fln" ? 500 : 128;
  if (batch != 0) schedule.set_batch_size(batch);

  v1::FlnOptions* fln = schedule.mutable_fln();
  if (!ParseFloatList(absl::GetFlag(FLAGS_lambda), fln->mutable_lambda()) ||
      !ParseFloatList(absl::GetFlag(FLAGS_c), fln->mutable_c()) ||
      !ParseFloatList(absl::GetFlag(FLAGS_rho_d), fln->mutable_rho_d()) ||
      !ParseFloatList(absl::GetFlag(FLAGS_rho), fln->mutable_rho())) {
    return absl::InvalidArgumentError(
        "--lambda, --c, --rho_d and --rho take comma-separated numbers");
  }
  if (!absl::GetFlag(FLAGS_x_solver).empty()) {
    fln->mutable_x_solver()->set_solver(SolverByName(absl::GetFlag(FLAGS_x_solver)));
  }
  if (!absl::GetFlag(FLAGS_w_solver).empty()) {
    fln->mutable_w_solver()->set_solver(SolverByName(absl::GetFlag(FLAGS_w_solver)));
  }
  if (absl::GetFlag(FLAGS_x_iters) > 0) {
    fln->mutable_x_solver()->set_max_iterations(absl::GetFlag(FLAGS_x_iters));
  }
  if (absl::GetFlag(FLAGS_w_iters) > 0) {
    fln->mutable_w_solver()->set_max_iterations(absl::GetFlag(FLAGS_w_iters));
  }
  if (absl::GetFlag(FLAGS_alternations) > 0) fln->set_alternations(absl::GetFlag(FLAGS_alternations));
  if (absl::GetFlag(FLAGS_lambda_growth) > 0) {
    fln->set_lambda_growth(static_cast<float>(absl::GetFlag(FLAGS_lambda_growth)));
  }
  if (absl::GetFlag(FLAGS_rho_d_growth) > 0) {
    fln->set_rho_d_growth(static_cast<float>(absl::GetFlag(FLAGS_rho_d_growth)));
  }
  if (const std::string name = absl::GetFlag(FLAGS_w_inputs); !name.empty()) {
    v1::WBlockInputs w_inputs;
    if (!v1::WBlockInputs_Parse(absl::AsciiStrToUpper(name), &w_inputs) ||
        w_inputs == v1::W_INPUTS_UNSPECIFIED) {
      return absl::InvalidArgumentError("--w_inputs takes lifted or feed_forward");
    }
    fln->set_w_inputs(w_inputs);
  }
  if (absl::GetFlag(FLAGS_lr) > 0) {
    schedule.mutable_backprop()->set_learning_rate(static_cast<float>(absl::GetFlag(FLAGS_lr)));
  }
  schedule.mutable_backprop()->set_optimizer(absl::GetFlag(FLAGS_optimizer) == "sgd"
                                                 ? v1::SGD_MOMENTUM
                                                 : v1::ADAM);
  if (schedule.backprop().optimizer() == v1::SGD_MOMENTUM &&
      schedule.backprop().momentum() == 0) {
    schedule.mutable_backprop()->set_momentum(0.9f);
  }
  return schedule;
}

// A time in seconds for JSON, or null when negative (not reached).
std::string SecondsOrNull(double seconds) {
  return seconds < 0 ? "null" : absl::StrFormat("%.2f", seconds);
}

std::string JsonList(const std::vector<double>& values) {
  return absl::StrCat("[", absl::StrJoin(values, ",", [](std::string* out, double v) {
                        absl::StrAppend(out, absl::StrFormat("%.6g", v));
                      }), "]");
}

// batch_loss and, for FLN, the relaxed-objective fields of a report under
// their MetricRecord names (proto/service.proto), per sample, each with a
// leading comma.
std::string RelaxedObjectiveJson(const ProgressReport& r) {
  std::string json = absl::StrFormat(",\"batch_loss\":%.6g", r.batch_loss);
  if (!r.has_relaxed_objective) return json;
  const LiftedObjective& end = r.relaxed_end;
  absl::StrAppendFormat(
      &json,
      ",\"relaxed_objective_start\":%.6g,\"relaxed_objective\":%.6g,\"relaxed_loss_term\":%.6g,"
      "\"relaxed_gap_terms\":%s,\"relaxed_proximal_term\":%.6g,\"relaxed_ridge_term\":%.6g,"
      "\"layer_gaps\":%s,\"lambda\":%s,\"loss_weight\":%.6g",
      r.relaxed_start.total, end.total, end.loss_term, JsonList(end.weighted_gaps), end.proximal,
      end.ridge, JsonList(end.gaps),
      JsonList(std::vector<double>(r.weights.lambda.begin(), r.weights.lambda.end())),
      r.weights.loss_weight());
  return json;
}

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec * 1e-6 + usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec * 1e-6;
}

// The all-reduce figures of one epoch (or run) on this rank, as JSON fields
// with a leading comma; empty when alone.
std::string AllReduceJson(const Ranks& ranks, const CollectiveStats& delta, double max_seconds,
                          int batches) {
  if (ranks.size() == 1) return "";
  const double per_batch = 1.0 / std::max(batches, 1);
  return absl::StrFormat(
      ",\"allreduce_seconds\":%.4f,\"allreduce_seconds_max_rank\":%.4f,"
      "\"allreduce_calls\":%d,\"allreduce_bytes\":%d,\"allreduce_seconds_per_batch\":%.6f,"
      "\"allreduce_calls_per_batch\":%.1f,\"allreduce_bytes_per_batch\":%.0f",
      delta.seconds, max_seconds, delta.calls, delta.bytes, delta.seconds * per_batch,
      delta.calls * per_batch, delta.bytes * per_batch);
}

CollectiveStats Minus(const CollectiveStats& a, const CollectiveStats& b) {
  CollectiveStats d;
  d.calls = a.calls - b.calls;
  d.bytes = a.bytes - b.bytes;
  d.seconds = a.seconds - b.seconds;
  return d;
}

int Run(Ranks& ranks) {
  const bool json = absl::GetFlag(FLAGS_json);
  // Rank 0 speaks for the run; the others only report errors.
  if (!ranks.is_root()) std::cout.setstate(std::ios_base::badbit);
  MpiCollective* const collective = ranks.collective();
  auto collective_stats = [collective]() {
    return collective != nullptr ? collective->stats() : CollectiveStats();
  };
  const int threads = absl::GetFlag(FLAGS_threads);
  omp_set_num_threads(threads);

  std::string dir = absl::GetFlag(FLAGS_dataset);
  dir = dir == "fashion-mnist" ? kFashionMnistDir : ResolveUserPath(dir);
  absl::StatusOr<TrainTestSplit> data = LoadIdxDirectory(dir);
  if (!data.ok()) {
    std::cerr << "fln_bench: " << data.status() << "\n";
    return 1;
  }
  const int validation = absl::GetFlag(FLAGS_validation);
  if (validation < 0 || validation >= data->train.num_samples()) {
    std::cerr << "fln_bench: --validation must be in [0, " << data->train.num_samples() << ")\n";
    return 1;
  }
  if (validation > 0) {
    const int kept = data->train.num_samples() - validation;
    data->test = SliceSamples(data->train, kept, validation);
    data->train = TakeFirst(data->train, kept);
  }
  if (absl::GetFlag(FLAGS_limit_test) > 0) {
    data->test = TakeFirst(data->test, absl::GetFlag(FLAGS_limit_test));
  }
  const int classes = std::max(data->train.num_classes, data->test.num_classes);
  absl::StatusOr<v1::ModelSpec> spec =
      ParseModelShorthand(absl::GetFlag(FLAGS_model), data->train.num_features(), classes);
  absl::StatusOr<v1::Schedule> schedule = BuildSchedule();
  if (!spec.ok() || !schedule.ok()) {
    std::cerr << "fln_bench: " << (spec.ok() ? schedule.status() : spec.status()) << "\n";
    return 1;
  }
  const Network shape = Network::Create(*spec).value();
  const bool fln = schedule->method() == v1::FLN;
  const v1::Schedule resolved = WithDefaults(*schedule, shape.num_hidden());
  const bool gram = resolved.fln().w_solver().solver() == v1::GRAM_PRECONDITIONED;

  // The probe runs before training, with the same threads and GEMM.
  const double peak_gflops = MeasureGemmGflops(1024, 1024, 1024, 5);
  const std::string method = fln ? "fln" : "backprop";
  // test_accuracy and test_loss are measured on this split.
  const std::string eval_split = validation > 0 ? "validation" : "test";
  const int train_samples = resolved.limit_train() > 0
                                ? std::min(resolved.limit_train(), data->train.num_samples())
                                : data->train.num_samples();

  double block_flops = 0;
  TrainingHooks hooks;
  hooks.collective = collective;
  hooks.test_evaluations_per_epoch = absl::GetFlag(FLAGS_evals_per_epoch);
  CollectiveStats epoch_start_stats = collective_stats();
  const int batches_per_epoch = (train_samples + resolved.batch_size() - 1) / resolved.batch_size();
  // Per block name ("X1", "W0", ...): seconds, iterations and solves.
  std::map<std::string, std::array<double, 3>> profile;
  double block_seconds = 0;  // this epoch's, summed over the blocks
  hooks.on_block = [&](const BlockEvent& event) {
    block_flops += FlnBlockFlops(event, shape, gram);
    auto& entry = profile[absl::StrCat(event.is_w_block ? "W" : "X", event.layer)];
    entry[0] += event.seconds;
    entry[1] += event.result.iterations;
    entry[2] += 1;
    block_seconds += event.seconds;
  };
  double total_flops = 0, last_seconds = 0, best_accuracy = 0, last_accuracy = 0;
  double seconds_to_target = -1;  // not reached
  double seconds_to_stay = -1;    // no evaluation from which all later ones reach the target
  // Training seconds at each test evaluation: updates both times to target.
  auto record_evaluation = [&](double elapsed, double accuracy) {
    if (accuracy < absl::GetFlag(FLAGS_target_accuracy)) {
      seconds_to_stay = -1;
      return;
    }
    if (seconds_to_target < 0) seconds_to_target = elapsed;
    if (seconds_to_stay < 0) seconds_to_stay = elapsed;
  };
  int epochs_done = 0;
  LoadMonitor load;
  const auto run_start = std::chrono::steady_clock::now();
  const double cpu_start = SelfCpuSeconds();
  hooks.on_progress = [&](const ProgressReport& r) {
    // --report_batches or --evals_per_epoch: that batch's figures only.
    if (!r.end_of_epoch) {
      const bool evaluated = r.test_accuracy >= 0;
      if (evaluated) record_evaluation(r.elapsed_seconds, r.test_accuracy);
      if (json) {
        std::cout << absl::StrFormat(
                         "{\"method\":\"%s\",\"epoch\":%d,\"batch\":%d,\"seconds\":%.3f", method,
                         r.epoch, r.batch, r.elapsed_seconds)
                  << (evaluated ? absl::StrFormat(",\"test_accuracy\":%.4f", r.test_accuracy) : "")
                  << RelaxedObjectiveJson(r) << "}" << std::endl;
      } else {
        std::cout << absl::StrFormat("%s epoch %d batch %d: batch loss %.4f", method, r.epoch,
                                     r.batch, r.batch_loss)
                  << (evaluated ? absl::StrFormat(", test acc %.2f%%", 100 * r.test_accuracy) : "")
                  << (r.has_relaxed_objective
                          ? absl::StrFormat(", relaxed objective %.4f (start %.4f)",
                                            r.relaxed_end.total, r.relaxed_start.total)
                          : "")
                  << std::endl;
      }
      return;
    }
    // Each rank counted the blocks of its own shard.
    block_flops = ranks.Sum(block_flops);
    const double epoch_flops = fln ? block_flops + ForwardFlops(shape, train_samples)
                                   : BackpropFlops(shape, train_samples);
    const CollectiveStats now_stats = collective_stats();
    const CollectiveStats epoch_stats = Minus(now_stats, epoch_start_stats);
    epoch_start_stats = now_stats;
    const double max_allreduce_seconds = ranks.Max(epoch_stats.seconds);
    block_flops = 0;
    total_flops += epoch_flops;
    const double epoch_seconds = r.elapsed_seconds - last_seconds;
    if (absl::GetFlag(FLAGS_profile)) {
      for (const auto& [name, entry] : profile) {
        std::cerr << absl::StrFormat("  %s: %.3f s, %.1f iterations per solve\n", name, entry[0],
                                     entry[1] / entry[2]);
      }
      if (fln) {
        std::cerr << absl::StrFormat(
            "  outside the blocks (batch gathering, the feed-forward start, F, the W-sweep's "
            "re-maps): %.3f s\n",
            epoch_seconds - block_seconds);
      }
    }
    profile.clear();
    block_seconds = 0;
    last_seconds = r.elapsed_seconds;
    const double gflops = epoch_flops / epoch_seconds / 1e9;
    epochs_done = r.epoch;
    last_accuracy = r.test_accuracy;
    best_accuracy = std::max(best_accuracy, r.test_accuracy);
    record_evaluation(r.elapsed_seconds, r.test_accuracy);  // evaluation is not training time
    if (json) {
      std::string line = absl::StrFormat(
          "{\"method\":\"%s\",\"eval_split\":\"%s\",\"epoch\":%d,\"seconds\":%.3f,"
          "\"epoch_seconds\":%.3f,"
          "\"train_loss\":%.5f,\"train_accuracy\":%.4f,\"test_loss\":%.5f,"
          "\"test_accuracy\":%.4f,\"gflops\":%.1f,\"gemm_peak_fraction\":%.3f",
          method, eval_split, r.epoch, r.elapsed_seconds, epoch_seconds, r.train_loss,
          r.train_accuracy,
          r.test_loss, r.test_accuracy, gflops, gflops / peak_gflops);
      std::cout << line << RelaxedObjectiveJson(r)
                << AllReduceJson(ranks, epoch_stats, max_allreduce_seconds, batches_per_epoch)
                << "}" << std::endl;
    } else {
      std::cout << absl::StrFormat(
                       "%s epoch %d: %.2f s (%.2f s/epoch), train loss %.4f, train acc %.2f%%, "
                       "test acc %.2f%%, %.1f GFLOP/s (%.0f%% of GEMM peak)%s",
                       method, r.epoch, r.elapsed_seconds, epoch_seconds, r.train_loss,
                       100 * r.train_accuracy, 100 * r.test_accuracy, gflops,
                       100 * gflops / peak_gflops,
                       r.has_relaxed_objective
                           ? absl::StrFormat(", relaxed objective %.4f (start %.4f)",
                                             r.relaxed_end.total, r.relaxed_start.total)
                           : "")
                << std::endl;
    }
  };

  absl::StatusOr<v1::Checkpoint> result =
      Train(*spec, *schedule, data->train, &data->test, hooks);
  if (!result.ok()) {
    std::cerr << "fln_bench: rank " << ranks.rank() << ": " << result.status() << "\n";
    return 1;
  }
  // The other ranks are this run, not load: take their CPU time out.
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                    run_start).count();
  const double own_cpu = SelfCpuSeconds() - cpu_start;
  const double other_ranks_cpu = ranks.Sum(own_cpu) - own_cpu;
  const double cores = static_cast<double>(sysconf(_SC_NPROCESSORS_ONLN));
  const double other_load =
      std::max(0.0, load.OtherProcessesShare() - other_ranks_cpu / (wall * cores));
  const CollectiveStats run_stats = collective_stats();
  const double run_max_allreduce_seconds = ranks.Max(run_stats.seconds);
  const bool contaminated = other_load > absl::GetFlag(FLAGS_max_load);
  const double seconds_per_epoch = epochs_done > 0 ? last_seconds / epochs_done : 0;
  const double achieved = last_seconds > 0 ? total_flops / last_seconds / 1e9 : 0;
  if (json) {
    std::cout << absl::StrFormat(
                     "{\"summary\":true,\"method\":\"%s\",\"eval_split\":\"%s\",\"model\":\"%s\","
                     "\"epochs\":%d,"
                     "\"batch_size\":%d,\"threads\":%d,\"seed\":%d,\"train_samples\":%d,"
                     "\"seconds\":%.3f,\"seconds_per_epoch\":%.3f,\"final_test_accuracy\":%.4f,"
                     "\"best_test_accuracy\":%.4f,\"target_accuracy\":%.4f,"
                     "\"evals_per_epoch\":%d,\"seconds_to_target\":%s,"
                     "\"seconds_to_stay_at_target\":%s,\"gflops\":%.1f,\"gemm_peak_"
                     "gflops\":%.1f,"
                     "\"gemm_peak_fraction\":%.3f,\"other_processes_cpu_share\":%.3f,"
                     "\"contaminated\":%s,\"machine\":\"%s\",\"gemm_engine\":\"%s\","
                     "\"blas_kernels\":\"%s\",\"ranks\":%d,"
                     "\"threads_per_rank\":%d%s}",
                     method, eval_split, absl::GetFlag(FLAGS_model), epochs_done,
                     resolved.batch_size(), threads, absl::GetFlag(FLAGS_seed), train_samples,
                     last_seconds, seconds_per_epoch, last_accuracy, best_accuracy,
                     absl::GetFlag(FLAGS_target_accuracy), absl::GetFlag(FLAGS_evals_per_epoch),
                     SecondsOrNull(seconds_to_target), SecondsOrNull(seconds_to_stay), achieved,
                     peak_gflops, achieved / peak_gflops, other_load,
                     contaminated ? "true" : "false", MachineDescription(), GemmEngineName(),
                     OpenBlasCoreName(), ranks.size(), threads,
                     AllReduceJson(ranks, run_stats, run_max_allreduce_seconds,
                                   batches_per_epoch * std::max(epochs_done, 1)))
              << std::endl;
  } else {
    std::cout << absl::StrFormat(
                     "summary: %s %s, %d epochs, %.2f s/epoch, final test acc %.2f%%, "
                     "%.1f GFLOP/s = %.0f%% of the %.1f GFLOP/s GEMM probe (%s; OpenBLAS %s), "
                     "%d ranks x %d threads, all-reduce %.2f s, other processes %.0f%% CPU%s",
                     method, absl::GetFlag(FLAGS_model), epochs_done, seconds_per_epoch,
                     100 * last_accuracy, achieved, 100 * achieved / peak_gflops, peak_gflops,
                     GemmEngineName(), OpenBlasCoreName(), ranks.size(), threads, run_stats.seconds,
                     100 * other_load, contaminated ? " (CONTAMINATED: busy machine)" : "")
              << std::endl;
  }
  return 0;
}

}  // namespace
}  // namespace fln

int main(int argc, char** argv) {
  absl::StatusOr<std::unique_ptr<fln::Ranks>> ranks = fln::Ranks::Create(&argc, &argv);
  if (!ranks.ok()) {
    std::cerr << "fln_bench: " << ranks.status() << "\n";
    return 1;
  }
  absl::ParseCommandLine(argc, argv);
  fln::KeepLargeAllocationsInHeap();
  return fln::Run(**ranks);
}
