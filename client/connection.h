// File: connection.h
//
// The RPC layer of the CLI: one channel to the server, the three fln.v1
// stubs, per-call contexts and the one conversion from grpc::Status.
//
//   Connection conn(MakeChannel("127.0.0.1:50051"), absl::Seconds(60));
//   auto context = conn.UnaryContext();
//   grpc::Status s = conn.jobs().Get(context.get(), request, &job);
//   FLN_RETURN_IF_ERROR(FromGrpc(s));
#ifndef FLN_CLIENT_CONNECTION_H_
#define FLN_CLIENT_CONNECTION_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/service.grpc.pb.h"

namespace fln {
namespace client {

// grpc::Status -> absl::Status; the two share numeric codes.
absl::Status FromGrpc(const grpc::Status& status);

// How the CLI proves itself to a server with TLS and tokens.
struct ClientSecurity {
  std::string token;        // sent as "authorization: Bearer TOKEN"; empty: none
  std::string ca_cert;      // PEM of the CA to trust; empty: plaintext
  std::string client_cert;  // PEM client certificate for mTLS (with client_key)
  std::string client_key;
};

// A channel with client keepalive (30 s pings, so a long watch notices a
// dead server) and no receive-size limit (model weights): TLS when
// security.ca_cert is set, and the token on every call (streams included).
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address,
                                           const ClientSecurity& security = {});

class Connection {
 public:
  // `timeout` is the deadline of every unary call. Streams get none.
  Connection(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);

  // A context for one unary call, with the deadline set.
  std::unique_ptr<grpc::ClientContext> UnaryContext() const;

  v1::Datasets::StubInterface& datasets() { return *datasets_; }
  v1::Jobs::StubInterface& jobs() { return *jobs_; }
  v1::Models::StubInterface& models() { return *models_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  absl::Duration timeout() const { return timeout_; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  absl::Duration timeout_;
  std::unique_ptr<v1::Datasets::StubInterface> datasets_;
  std::unique_ptr<v1::Jobs::StubInterface> jobs_;
  std::unique_ptr<v1::Models::StubInterface> models_;
};

}  // namespace client
}  // namespace fln

#endif  // FLN_CLIENT_CONNECTION_H_
