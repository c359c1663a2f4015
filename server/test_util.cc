#include "server/test_util.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/env.h"
#include "server/file_util.h"
#include "server/status_conversion.h"
#include "tests/teacher_dataset.h"

namespace fln {
namespace testing_util {
namespace {

void Quantise(Dataset* data) {
  data->features = (data->features * 255.0f).array().round().matrix();
}

void PutBigEndian(uint32_t v, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xff));
}

}  // namespace

PixelData MakePixelData(int features, int classes, int train_samples, int test_samples,
                        uint64_t seed) {
  TeacherData teacher = MakeTeacherData(features, 16, classes, train_samples, test_samples, seed);
  PixelData data{std::move(teacher.train), std::move(teacher.test)};
  Quantise(&data.train);
  Quantise(&data.test);
  return data;
}

std::string ToCsv(const Dataset& data) {
  std::string out;
  for (int j = 0; j < data.num_samples(); ++j) {
    absl::StrAppend(&out, data.labels[j]);
    for (int i = 0; i < data.num_features(); ++i) absl::StrAppend(&out, ",", data.features(i, j));
    out += "\n";
  }
  return out;
}

std::string ToIdxImages(const Dataset& data, int rows, int cols) {
  std::string out;
  PutBigEndian(0x00000803, &out);
  PutBigEndian(static_cast<uint32_t>(data.num_samples()), &out);
  PutBigEndian(static_cast<uint32_t>(rows), &out);
  PutBigEndian(static_cast<uint32_t>(cols), &out);
  for (int j = 0; j < data.num_samples(); ++j) {
    for (int i = 0; i < data.num_features(); ++i) {
      out.push_back(static_cast<char>(static_cast<uint8_t>(data.features(i, j))));
    }
  }
  return out;
}

std::string ToIdxLabels(const Dataset& data) {
  std::string out;
  PutBigEndian(0x00000801, &out);
  PutBigEndian(static_cast<uint32_t>(data.num_samples()), &out);
  for (int32_t label : data.labels) out.push_back(static_cast<char>(label));
  return out;
}

v1::ModelSpec Mlp(int input, int hidden, int classes) {
  v1::ModelSpec spec;
  spec.set_input_size(input);
  spec.add_layers()->mutable_dense()->set_units(hidden);
  spec.add_layers()->mutable_dense()->set_units(classes);
  return spec;
}

v1::Schedule FlnSchedule(int epochs, int batch_size, uint64_t seed) {
  v1::Schedule schedule;
  schedule.set_method(v1::FLN);
  schedule.set_epochs(epochs);
  schedule.set_batch_size(batch_size);
  schedule.set_seed(seed);
  schedule.mutable_fln()->add_rho_d(1.0f);
  return schedule;
}

std::function<void(const std::string& job_id, int epoch, const std::atomic<bool>& stop)>
PauseAfterEpoch(int pause_epoch, const std::string& release_file) {
  return [pause_epoch, release_file](const std::string&, int epoch, const std::atomic<bool>& stop) {
    if (epoch != pause_epoch) return;
    const absl::Time give_up = absl::Now() + absl::Minutes(10);
    auto released = [&] {
      return !release_file.empty() && !Env::Default()->PathExists(release_file);
    };
    while (!stop.load() && !released() && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(10));
    }
  };
}

std::string FreshDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name, "-", RandomHex(8));
  Env::Default()->RemoveRecursively(dir).IgnoreError();
  CreateDirectories(Env::Default(), dir).IgnoreError();
  return dir;
}

absl::StatusOr<v1::Dataset> Upload(v1::Datasets::Stub* stub, const v1::UploadHeader& header,
                                   const std::vector<std::pair<v1::DatasetPart, std::string>>& parts,
                                   size_t chunk_bytes) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::Dataset response;
  std::unique_ptr<grpc::ClientWriter<v1::UploadDatasetRequest>> writer =
      stub->Upload(&context, &response);
  v1::UploadDatasetRequest request;
  *request.mutable_header() = header;
  bool ok = writer->Write(request);
  for (const auto& [part, bytes] : parts) {
    for (size_t pos = 0; ok && pos < bytes.size(); pos += chunk_bytes) {
      v1::UploadDatasetRequest chunk;
      chunk.mutable_chunk()->set_part(part);
      chunk.mutable_chunk()->set_data(bytes.substr(pos, chunk_bytes));
      ok = writer->Write(chunk);
    }
  }
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::Dataset> UploadCsv(v1::Datasets::Stub* stub, const std::string& name,
                                      const std::string& csv) {
  v1::UploadHeader header;
  header.set_name(name);
  header.set_format(v1::CSV);
  return Upload(stub, header, {{v1::CSV_TABLE, csv}});
}

WatchResult Watch(v1::Jobs::Stub* stub, const std::string& job_id, int64_t from_sequence,
                  absl::Duration timeout,
                  const std::function<bool(const v1::JobEvent&)>& stop) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  v1::WatchJobRequest request;
  request.set_job_id(job_id);
  request.set_from_sequence(from_sequence);
  std::unique_ptr<grpc::ClientReader<v1::JobEvent>> reader = stub->Watch(&context, request);
  WatchResult result;
  v1::JobEvent event;
  while (reader->Read(&event)) {
    if (event.has_heartbeat()) {
      ++result.heartbeats;
      continue;
    }
    result.events.push_back(event);
    if (stop && stop(event)) {
      context.TryCancel();
      break;
    }
  }
  result.status = reader->Finish();
  return result;
}

absl::StatusOr<v1::Job> Submit(v1::Jobs::Stub* stub, const v1::SubmitJobRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::Job job;
  const grpc::Status status = stub->Submit(&context, request, &job);
  if (!status.ok()) return FromGrpcStatus(status);
  return job;
}

std::shared_ptr<grpc::Channel> Connect(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

absl::StatusOr<std::unique_ptr<TestServer>> TestServer::Start(FlnServer::Options options) {
  auto test_server = std::make_unique<TestServer>();
  absl::StatusOr<std::unique_ptr<FlnServer>> server = FlnServer::Start(options);
  if (!server.ok()) return server.status();
  test_server->server_ = std::move(server).value();
  test_server->channel_ = Connect(test_server->server_->address());
  test_server->datasets_ = v1::Datasets::NewStub(test_server->channel_);
  test_server->jobs_ = v1::Jobs::NewStub(test_server->channel_);
  test_server->models_ = v1::Models::NewStub(test_server->channel_);
  return test_server;
}

}  // namespace testing_util
}  // namespace fln
