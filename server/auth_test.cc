// Authentication and transport security of flnd against a real server:
// bearer tokens on every RPC but health (revocable by editing the file),
// the creator recorded on uploads and jobs, TLS and mTLS round trips with
// throwaway certificates made by openssl, and the refusal to serve a
// non-loopback address in the clear.
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/connection.h"
#include "grpc/health/v1/health.pb.h"
#include "gtest/gtest.h"
#include "server/file_util.h"
#include "server/fln_server.h"
#include "server/test_util.h"

namespace fln {
namespace {

using testing_util::TestServer;

constexpr char kAlice[] = "alice-token-0123456789";
constexpr char kBob[] = "bob-token-0123456789";

std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + std::chrono::seconds(30);
}

// Every fln.v1 RPC once, with empty requests, on `channel`: name -> status.
std::vector<std::pair<std::string, grpc::Status>> CallEveryRpc(
    const std::shared_ptr<grpc::Channel>& channel) {
  auto datasets = v1::Datasets::NewStub(channel);
  auto jobs = v1::Jobs::NewStub(channel);
  auto models = v1::Models::NewStub(channel);
  std::vector<std::pair<std::string, grpc::Status>> results;
  auto unary = [&](const std::string& name, auto call) {
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    results.emplace_back(name, call(&context));
  };
  {
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    v1::Dataset dataset;
    auto writer = datasets->Upload(&context, &dataset);
    writer->WritesDone();
    results.emplace_back("Datasets.Upload", writer->Finish());
  }
  v1::ImportDatasetResponse imported;
  unary("Datasets.Import", [&](grpc::ClientContext* c) {
    return datasets->Import(c, v1::ImportDatasetRequest(), &imported);
  });
  v1::ListDatasetsResponse dataset_list;
  unary("Datasets.List", [&](grpc::ClientContext* c) {
    return datasets->List(c, v1::ListDatasetsRequest(), &dataset_list);
  });
  v1::Dataset dataset;
  unary("Datasets.Get", [&](grpc::ClientContext* c) {
    return datasets->Get(c, v1::GetDatasetRequest(), &dataset);
  });
  v1::DeleteDatasetResponse deleted;
  unary("Datasets.Delete", [&](grpc::ClientContext* c) {
    return datasets->Delete(c, v1::DeleteDatasetRequest(), &deleted);
  });
  v1::Job job;
  unary("Jobs.Submit",
        [&](grpc::ClientContext* c) { return jobs->Submit(c, v1::SubmitJobRequest(), &job); });
  unary("Jobs.Get",
        [&](grpc::ClientContext* c) { return jobs->Get(c, v1::GetJobRequest(), &job); });
  v1::ListJobsResponse job_list;
  unary("Jobs.List",
        [&](grpc::ClientContext* c) { return jobs->List(c, v1::ListJobsRequest(), &job_list); });
  unary("Jobs.Cancel",
        [&](grpc::ClientContext* c) { return jobs->Cancel(c, v1::CancelJobRequest(), &job); });
  {
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    auto reader = jobs->Watch(&context, v1::WatchJobRequest());
    v1::JobEvent event;
    while (reader->Read(&event)) {
    }
    results.emplace_back("Jobs.Watch", reader->Finish());
  }
  v1::ListModelsResponse model_list;
  unary("Models.List", [&](grpc::ClientContext* c) {
    return models->List(c, v1::ListModelsRequest(), &model_list);
  });
  v1::Model model;
  unary("Models.Get",
        [&](grpc::ClientContext* c) { return models->Get(c, v1::GetModelRequest(), &model); });
  v1::PredictResponse predicted;
  unary("Models.Predict", [&](grpc::ClientContext* c) {
    return models->Predict(c, v1::PredictRequest(), &predicted);
  });
  v1::EvaluateResponse evaluated;
  unary("Models.Evaluate", [&](grpc::ClientContext* c) {
    return models->Evaluate(c, v1::EvaluateRequest(), &evaluated);
  });
  return results;
}

grpc::Status HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                         grpc::health::v1::HealthCheckResponse* response) {
  static const grpc::internal::RpcMethod kCheck("/grpc.health.v1.Health/Check",
                                                grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  return grpc::internal::BlockingUnaryCall(channel.get(), kCheck, &context,
                                           grpc::health::v1::HealthCheckRequest(), response);
}

// A throwaway CA and a server and a client certificate it signed, for
// localhost / 127.0.0.1, written into `dir` as ca.pem, server.{pem,key},
// client.{pem,key}.
void MakeCertificates(const std::string& dir) {
  const std::string script = dir + "/make_certs.sh";
  std::ofstream(script) << "set -e\ncd \"$1\"\n"
                        << "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem "
                           "-subj /CN=fln-test-ca -days 1 2>/dev/null\n"
                        << "for who in server client; do\n"
                           "  openssl req -newkey rsa:2048 -nodes -keyout $who.key -out $who.csr "
                           "-subj /CN=localhost 2>/dev/null\n"
                           "  echo 'subjectAltName=DNS:localhost,IP:127.0.0.1' > $who.ext\n"
                           "  openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key "
                           "-CAcreateserial -out $who.pem -days 1 -extfile $who.ext 2>/dev/null\n"
                           "done\n";
  ASSERT_EQ(std::system(absl::StrCat("bash ", script, " ", dir).c_str()), 0)
      << "openssl failed (scripts/install_deps.sh installs it)";
}

std::string Read(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(Env::Default(), path);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing_util::FreshDir("auth");
    token_file_ = dir_ + "/tokens";
    ASSERT_TRUE(WriteFileAtomically(Env::Default(), token_file_,
                                    absl::StrCat("alice ", kAlice, "\nbob ", kBob, "\n"))
                    .ok());
  }

  FlnServer::Options Options() {
    FlnServer::Options options;
    options.listen = "127.0.0.1:0";
    options.data_dir = dir_ + "/data";
    options.builtin_dir = dir_ + "/no_builtin";
    options.threads_per_job = 1;
    options.auth_token_file = token_file_;
    return options;
  }

  void Start(const FlnServer::Options& options) {
    absl::StatusOr<std::unique_ptr<TestServer>> server = TestServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
  }

  std::shared_ptr<grpc::Channel> Channel(const std::string& token,
                                         client::ClientSecurity security = {}) {
    security.token = token;
    return client::MakeChannel(server_->server()->address(), security);
  }

  std::string dir_, token_file_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(AuthTest, EveryRpcButHealthNeedsAKnownToken) {
  Start(Options());
  for (const std::string& token : {std::string(), std::string("not-a-known-token-at-all")}) {
    for (const auto& [name, status] : CallEveryRpc(Channel(token))) {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << name << " with token '" << token << "': " << status.error_message();
    }
  }
  // With a token every call gets past authentication (to its own checks).
  for (const auto& [name, status] : CallEveryRpc(Channel(kAlice))) {
    EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << name;
  }
  grpc::health::v1::HealthCheckResponse health;
  ASSERT_TRUE(HealthCheck(Channel(""), &health).ok());
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(AuthTest, ARevokedTokenIsRefusedWithoutARestart) {
  Start(Options());
  auto bob = v1::Jobs::NewStub(Channel(kBob));
  v1::ListJobsResponse list;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(bob->List(&context, v1::ListJobsRequest(), &list).ok());
  }
  ASSERT_TRUE(
      WriteFileAtomically(Env::Default(), token_file_, absl::StrCat("alice ", kAlice, "\n")).ok());
  absl::SleepFor(absl::Milliseconds(1100));  // the file is checked once a second
  grpc::ClientContext context;
  EXPECT_EQ(bob->List(&context, v1::ListJobsRequest(), &list).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthTest, UploadsAndJobsRecordTheirCreatorAndJobsFilterByIt) {
  Start(Options());
  const testing_util::PixelData data = testing_util::MakePixelData(16, 3, 60, 30, 5);
  auto alice_datasets = v1::Datasets::NewStub(Channel(kAlice));
  absl::StatusOr<v1::Dataset> train =
      testing_util::UploadCsv(alice_datasets.get(), "train", testing_util::ToCsv(data.train));
  ASSERT_TRUE(train.ok()) << train.status();
  EXPECT_EQ(train->created_by(), "alice");
  v1::SubmitJobRequest request;
  request.set_train_dataset_id(train->id());
  *request.mutable_model() = testing_util::Mlp(16, 8, 3);
  *request.mutable_schedule() = testing_util::FlnSchedule(1, 20);
  auto alice_jobs = v1::Jobs::NewStub(Channel(kAlice));
  absl::StatusOr<v1::Job> job = testing_util::Submit(alice_jobs.get(), request);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->created_by(), "alice");
  for (const auto& [creator, expected] : {std::pair<std::string, int>{"alice", 1}, {"bob", 0}}) {
    grpc::ClientContext context;
    v1::ListJobsRequest list_request;
    list_request.set_created_by(creator);
    v1::ListJobsResponse list;
    ASSERT_TRUE(alice_jobs->List(&context, list_request, &list).ok());
    EXPECT_EQ(list.jobs_size(), expected) << creator;
  }
}

TEST_F(AuthTest, TlsAndMutualTlsRoundTrips) {
  MakeCertificates(dir_);
  FlnServer::Options options = Options();
  options.tls.cert = dir_ + "/server.pem";
  options.tls.key = dir_ + "/server.key";
  Start(options);
  client::ClientSecurity tls;
  tls.ca_cert = Read(dir_ + "/ca.pem");
  v1::ListJobsResponse list;
  {
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    EXPECT_TRUE(v1::Jobs::NewStub(Channel(kAlice, tls))
                    ->List(&context, v1::ListJobsRequest(), &list)
                    .ok());
  }
  {
    grpc::ClientContext context;  // plaintext to a TLS port
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    EXPECT_FALSE(
        v1::Jobs::NewStub(Channel(kAlice))->List(&context, v1::ListJobsRequest(), &list).ok());
  }
  server_.reset();

  options.tls.client_ca = dir_ + "/ca.pem";  // mTLS
  Start(options);
  {
    grpc::ClientContext context;  // TLS, but no client certificate
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    EXPECT_FALSE(v1::Jobs::NewStub(Channel(kAlice, tls))
                     ->List(&context, v1::ListJobsRequest(), &list)
                     .ok());
  }
  client::ClientSecurity mtls = tls;
  mtls.client_cert = Read(dir_ + "/client.pem");
  mtls.client_key = Read(dir_ + "/client.key");
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  const grpc::Status status =
      v1::Jobs::NewStub(Channel(kAlice, mtls))->List(&context, v1::ListJobsRequest(), &list);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(AuthTest, ANonLoopbackListenNeedsTlsAndTokensOrInsecure) {
  FlnServer::Options options = Options();
  options.listen = "0.0.0.0:0";
  options.auth_token_file.clear();
  absl::StatusOr<std::unique_ptr<TestServer>> refused = TestServer::Start(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("--insecure"), absl::string_view::npos)
      << refused.status();
  options.insecure = true;
  EXPECT_TRUE(TestServer::Start(options).ok());
}

}  // namespace
}  // namespace fln
