// serve_bench: serving figures of flnd, measured through a real in-process
// FlnServer on a loopback port with the generated gRPC stubs:
//   1. watch latency: produced_at_micros of each MetricRecord -> the moment a
//      watching client receives it (per-batch records of a tiny 8-16-3 job);
//   2. Predict latency (p50/p99) and throughput at batch 1 and batch 256 on a
//      784-300-10 model trained for one epoch on the first --limit_train
//      Fashion-MNIST images (Import {builtin: "fashion-mnist"}), with inputs
//      from the real test images;
//   3. load: --load_clients concurrent Predict clients (each on its own
//      connection) at batch 1, then at batch 256, for --load_seconds each,
//      while --load_watchers clients watch a running job that reports every
//      batch: throughput, p50/p99 and the error count of both sides.
//
//   bazel run -c opt //bench:serve_bench -- --threads_per_job=2
#include <algorithm>
#include <atomic>
#include <memory>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/machine_load.h"
#include "core/idx_reader.h"
#include "proto/service.grpc.pb.h"
#include "server/fln_server.h"

ABSL_FLAG(std::string, builtin_dir, "/usr/share/datasets/fashion-mnist",
          "Fashion-MNIST IDX files (the server imports them; the bench reads test images)");
ABSL_FLAG(int, threads_per_job, 2, "OpenMP threads of the training jobs");
ABSL_FLAG(int, limit_train, 2000, "Fashion-MNIST images the 784-300-10 model trains on");
ABSL_FLAG(int, tiny_epochs, 20, "epochs of the tiny job whose metrics are watched");
ABSL_FLAG(int, batch1_calls, 2000, "Predict calls at batch 1");
ABSL_FLAG(int, batch256_calls, 300, "Predict calls at batch 256");
ABSL_FLAG(std::string, data_dir, "", "server data directory (default: a fresh one in /tmp)");
ABSL_FLAG(int, load_seconds, 60, "duration of each load phase (0 skips the load test)");
ABSL_FLAG(int, load_clients, 8, "concurrent Predict clients in the load test");
ABSL_FLAG(int, load_watchers, 200, "concurrent watchers of a running job in the load test");

namespace fln {
namespace {

std::chrono::system_clock::time_point Deadline(int seconds) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

struct Summary {
  double p50_ms, p99_ms, max_ms, mean_ms;
};

Summary Summarise(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))]; };
  double sum = 0;
  for (double v : ms) sum += v;
  return {at(0.50), at(0.99), ms.back(), sum / ms.size()};
}

void Die(const std::string& what, const grpc::Status& status) {
  std::fprintf(stderr, "serve_bench: %s: %s\n", what.c_str(), status.error_message().c_str());
  std::exit(1);
}

// Watches a job to its end; returns per-MetricRecord delivery latencies (ms).
std::vector<double> WatchLatencies(v1::Jobs::Stub* jobs, const std::string& id) {
  grpc::ClientContext context;
  context.set_deadline(Deadline(600));
  v1::WatchJobRequest request;
  request.set_job_id(id);
  auto reader = jobs->Watch(&context, request);
  std::vector<double> latencies;
  v1::JobEvent event;
  while (reader->Read(&event)) {
    const int64_t now = absl::ToUnixMicros(absl::Now());
    if (event.has_metrics()) {
      latencies.push_back((now - event.metrics().produced_at_micros()) / 1000.0);
    }
  }
  const grpc::Status status = reader->Finish();
  if (!status.ok()) Die("watch", status);
  return latencies;
}

std::string TinyCsv(int samples) {
  std::string csv;
  uint64_t state = 12345;
  for (int j = 0; j < samples; ++j) {
    std::vector<int> x(8);
    int sum = 0;
    for (int& v : x) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      v = static_cast<int>((state >> 33) % 256);
      sum += v;
    }
    absl::StrAppend(&csv, (sum / 8) % 3);
    for (int v : x) absl::StrAppend(&csv, ",", v);
    csv += "\n";
  }
  return csv;
}

v1::Dataset UploadCsv(v1::Datasets::Stub* datasets, const std::string& csv) {
  grpc::ClientContext context;
  context.set_deadline(Deadline(60));
  v1::Dataset response;
  auto writer = datasets->Upload(&context, &response);
  v1::UploadDatasetRequest header;
  header.mutable_header()->set_name("tiny");
  header.mutable_header()->set_format(v1::CSV);
  writer->Write(header);
  v1::UploadDatasetRequest chunk;
  chunk.mutable_chunk()->set_part(v1::CSV_TABLE);
  chunk.mutable_chunk()->set_data(csv);
  writer->Write(chunk);
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  if (!status.ok()) Die("upload", status);
  return response;
}

v1::Job Submit(v1::Jobs::Stub* jobs, const v1::SubmitJobRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(Deadline(60));
  v1::Job job;
  const grpc::Status status = jobs->Submit(&context, request, &job);
  if (!status.ok()) Die("submit", status);
  return job;
}

void AddDense(v1::ModelSpec* spec, int units) { spec->add_layers()->mutable_dense()->set_units(units); }

std::shared_ptr<grpc::Channel> NewChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  // A distinct argument gives each channel its own connection.
  static std::atomic<int> channels{0};
  args.SetInt("fln.bench.channel", channels.fetch_add(1));
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

// Section 3: Predict from `clients` threads for `seconds` per batch size while
// `watchers` threads follow `watched_job`. Prints one table row per phase.
void LoadTest(const std::string& address, const std::string& model_id,
              const std::string& watched_job, const Matrix& images, int clients, int watchers,
              int seconds) {
  std::atomic<bool> stop_watchers{false};
  std::atomic<int64_t> watch_events{0}, watch_errors{0};
  std::vector<std::thread> watcher_threads;
  std::vector<std::unique_ptr<grpc::ClientContext>> watch_contexts(watchers);
  std::vector<std::shared_ptr<grpc::Channel>> watch_channels;
  for (int c = 0; c < 10; ++c) watch_channels.push_back(NewChannel(address));
  for (int w = 0; w < watchers; ++w) {
    watch_contexts[w] = std::make_unique<grpc::ClientContext>();
    watcher_threads.emplace_back([&, w] {
      auto stub = v1::Jobs::NewStub(watch_channels[w % watch_channels.size()]);
      v1::WatchJobRequest request;
      request.set_job_id(watched_job);
      auto reader = stub->Watch(watch_contexts[w].get(), request);
      v1::JobEvent event;
      while (reader->Read(&event)) watch_events.fetch_add(1);
      const grpc::Status status = reader->Finish();
      if (!(stop_watchers.load() && status.error_code() == grpc::StatusCode::CANCELLED)) {
        watch_errors.fetch_add(1);
      }
    });
  }
  std::printf("\n| load phase (%d Predict clients, %d watchers, %d s) | calls | errors | p50 ms "
              "| p99 ms | throughput | watch events | watch errors | other CPU |\n",
              clients, watchers, seconds);
  std::printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  for (int batch : {1, 256}) {
    std::vector<std::vector<double>> ms(clients);
    std::atomic<int64_t> errors{0};
    const int64_t events_before = watch_events.load();
    LoadMonitor load;
    const absl::Time end = absl::Now() + absl::Seconds(seconds);
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        auto stub = v1::Models::NewStub(NewChannel(address));
        v1::PredictRequest request;
        request.set_model_id(model_id);
        request.set_num_samples(batch);
        const int first = static_cast<int>((c * 997 * batch) % (images.cols() - batch));
        request.mutable_inputs()->Add(images.col(first).data(),
                                      images.col(first).data() + 784 * batch);
        v1::PredictResponse response;
        while (absl::Now() < end) {
          grpc::ClientContext context;
          context.set_deadline(Deadline(30));
          const absl::Time t0 = absl::Now();
          const grpc::Status status = stub->Predict(&context, request, &response);
          ms[c].push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
          if (!status.ok()) errors.fetch_add(1);
        }
      });
    }
    for (std::thread& t : threads) t.join();
    std::vector<double> all;
    for (const auto& v : ms) all.insert(all.end(), v.begin(), v.end());
    const Summary s = Summarise(all);
    std::printf("| Predict batch %d | %zu | %lld | %.3f | %.3f | %.0f samples/s (%.0f calls/s) "
                "| %lld | %lld | %.1f%% |\n",
                batch, all.size(), static_cast<long long>(errors.load()), s.p50_ms, s.p99_ms,
                all.size() * batch / static_cast<double>(seconds),
                all.size() / static_cast<double>(seconds),
                static_cast<long long>(watch_events.load() - events_before),
                static_cast<long long>(watch_errors.load()), 100 * load.OtherProcessesShare());
  }
  stop_watchers.store(true);
  for (auto& context : watch_contexts) context->TryCancel();
  for (std::thread& t : watcher_threads) t.join();
  std::printf("watchers ended with %lld errors\n", static_cast<long long>(watch_errors.load()));
}

int Main() {
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir).empty()
                                   ? absl::StrCat("/tmp/serve_bench-", getpid())
                                   : absl::GetFlag(FLAGS_data_dir);
  FlnServer::Options options;
  options.listen = "127.0.0.1:0";
  options.data_dir = data_dir;
  options.threads_per_job = absl::GetFlag(FLAGS_threads_per_job);
  options.builtin_dir = absl::GetFlag(FLAGS_builtin_dir);
  options.report_batches = true;  // many metric records for the watch latency
  options.heartbeat = absl::Seconds(1);
  options.max_watchers = absl::GetFlag(FLAGS_load_watchers) + 8;
  absl::StatusOr<std::unique_ptr<FlnServer>> server = FlnServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "serve_bench: %s\n", server.status().ToString().c_str());
    return 1;
  }
  auto channel = NewChannel((*server)->address());
  auto datasets = v1::Datasets::NewStub(channel);
  auto jobs = v1::Jobs::NewStub(channel);
  auto models = v1::Models::NewStub(channel);
  std::printf("machine: %s; server %s, data_dir %s, threads_per_job %d\n",
              MachineDescription().c_str(), (*server)->address().c_str(), data_dir.c_str(),
              options.threads_per_job);

  // ---- 1. Metric delivery latency on a tiny job.
  LoadMonitor watch_load;
  const v1::Dataset tiny = UploadCsv(datasets.get(), TinyCsv(1000));
  v1::SubmitJobRequest tiny_job;
  tiny_job.set_name("tiny");
  tiny_job.set_train_dataset_id(tiny.id());
  tiny_job.mutable_model()->set_input_size(8);
  AddDense(tiny_job.mutable_model(), 16);
  AddDense(tiny_job.mutable_model(), 3);
  tiny_job.mutable_schedule()->set_method(v1::FLN);
  tiny_job.mutable_schedule()->set_epochs(absl::GetFlag(FLAGS_tiny_epochs));
  tiny_job.mutable_schedule()->set_batch_size(32);
  tiny_job.mutable_schedule()->set_seed(1);
  const v1::Job tiny_submitted = Submit(jobs.get(), tiny_job);
  // A second channel so the watcher does not share a connection with Submit.
  auto watch_channel = NewChannel((*server)->address());
  auto watch_jobs = v1::Jobs::NewStub(watch_channel);
  const std::vector<double> delivery = WatchLatencies(watch_jobs.get(), tiny_submitted.id());
  const Summary d = Summarise(delivery);
  const double watch_other = watch_load.OtherProcessesShare();

  // ---- 2. Train 784-300-10 for one epoch on a Fashion-MNIST subset.
  grpc::ClientContext import_context;
  import_context.set_deadline(Deadline(300));
  v1::ImportDatasetRequest import;
  import.set_builtin("fashion-mnist");
  v1::ImportDatasetResponse imported;
  grpc::Status status = datasets->Import(&import_context, import, &imported);
  if (!status.ok()) Die("import", status);
  v1::SubmitJobRequest mlp;
  mlp.set_name("mlp300");
  mlp.set_train_dataset_id(imported.train().id());
  mlp.set_test_dataset_id(imported.test().id());
  mlp.mutable_model()->set_input_size(784);
  AddDense(mlp.mutable_model(), 300);
  AddDense(mlp.mutable_model(), 10);
  mlp.mutable_schedule()->set_method(v1::FLN);
  mlp.mutable_schedule()->set_epochs(1);
  mlp.mutable_schedule()->set_batch_size(500);
  mlp.mutable_schedule()->set_seed(1);
  mlp.mutable_schedule()->set_limit_train(absl::GetFlag(FLAGS_limit_train));
  const absl::Time train_start = absl::Now();
  const v1::Job mlp_job = Submit(jobs.get(), mlp);
  WatchLatencies(watch_jobs.get(), mlp_job.id());
  const double train_seconds = absl::ToDoubleSeconds(absl::Now() - train_start);
  v1::Job trained;
  {
    grpc::ClientContext context;
    v1::GetJobRequest get;
    get.set_id(mlp_job.id());
    status = jobs->Get(&context, get, &trained);
    if (!status.ok() || trained.state() != v1::SUCCEEDED) {
      std::fprintf(stderr, "serve_bench: the 784-300-10 job did not succeed: %s\n",
                   trained.error_message().c_str());
      return 1;
    }
  }

  // ---- 3. Predict latency and throughput with real test images.
  absl::StatusOr<TrainTestSplit> fashion = LoadIdxDirectory(absl::GetFlag(FLAGS_builtin_dir));
  if (!fashion.ok()) {
    std::fprintf(stderr, "serve_bench: %s\n", fashion.status().ToString().c_str());
    return 1;
  }
  const Matrix& images = fashion->test.features;  // 784 x 10000, raw pixels
  std::printf("\n| measurement | calls | p50 ms | p99 ms | max ms | throughput | other CPU |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- |\n");
  std::printf("| metric produced -> watcher received (per-batch records, 8-16-3 job) | %zu | "
              "%.3f | %.3f | %.3f | - | %.1f%% |\n",
              delivery.size(), d.p50_ms, d.p99_ms, d.max_ms, 100 * watch_other);
  for (const auto& [batch, calls] : {std::pair<int, int>{1, absl::GetFlag(FLAGS_batch1_calls)},
                                     std::pair<int, int>{256, absl::GetFlag(FLAGS_batch256_calls)}}) {
    std::vector<v1::PredictRequest> requests(8);
    for (size_t r = 0; r < requests.size(); ++r) {
      requests[r].set_model_id(mlp_job.id());
      requests[r].set_num_samples(batch);
      const int first = static_cast<int>((r * batch) % (images.cols() - batch));
      requests[r].mutable_inputs()->Add(images.col(first).data(),
                                        images.col(first).data() + 784 * batch);
    }
    v1::PredictResponse response;
    for (int w = 0; w < 20; ++w) {  // warm-up: loads the model into the cache
      grpc::ClientContext context;
      status = models->Predict(&context, requests[w % requests.size()], &response);
      if (!status.ok()) Die("predict", status);
    }
    LoadMonitor load;
    std::vector<double> ms;
    ms.reserve(calls);
    const absl::Time start = absl::Now();
    for (int i = 0; i < calls; ++i) {
      grpc::ClientContext context;
      const absl::Time t0 = absl::Now();
      status = models->Predict(&context, requests[i % requests.size()], &response);
      ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
      if (!status.ok()) Die("predict", status);
    }
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    const Summary s = Summarise(ms);
    std::printf("| Predict, batch %d, 784-300-10, one client, sequential | %d | %.3f | %.3f | "
                "%.3f | %.0f samples/s (%.0f calls/s) | %.1f%% |\n",
                batch, calls, s.p50_ms, s.p99_ms, s.max_ms, calls * batch / seconds,
                calls / seconds, 100 * load.OtherProcessesShare());
  }
  std::printf("\n784-300-10: 1 FLN epoch on %d images (batch 500) took %.1f s end to end "
              "(import excluded); train accuracy %.4f, test accuracy %.4f\n",
              absl::GetFlag(FLAGS_limit_train), train_seconds,
              trained.latest_metrics().train_accuracy(), trained.latest_metrics().test_accuracy());

  // ---- 4. Load: concurrent Predict clients while many clients watch a job.
  if (absl::GetFlag(FLAGS_load_seconds) > 0) {
    v1::SubmitJobRequest running = tiny_job;
    running.set_name("watched");
    running.mutable_schedule()->set_epochs(100000);
    const v1::Job watched = Submit(jobs.get(), running);
    LoadTest((*server)->address(), mlp_job.id(), watched.id(), images,
             absl::GetFlag(FLAGS_load_clients), absl::GetFlag(FLAGS_load_watchers),
             absl::GetFlag(FLAGS_load_seconds));
    grpc::ClientContext context;
    v1::CancelJobRequest cancel;
    cancel.set_id(watched.id());
    v1::Job cancelled;
    jobs->Cancel(&context, cancel, &cancelled);
  }
  (*server)->Shutdown();
  return 0;
}

}  // namespace
}  // namespace fln

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return fln::Main();
}
