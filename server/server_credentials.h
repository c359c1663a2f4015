// File: server_credentials.h
//
// Transport security of flnd: TLS from a certificate and key, optionally
// requiring client certificates signed by a CA (mTLS), and the rule that a
// server reachable from other machines needs TLS and tokens.
#ifndef FLN_SERVER_SERVER_CREDENTIALS_H_
#define FLN_SERVER_SERVER_CREDENTIALS_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/env.h"

namespace fln {

struct TlsFiles {
  std::string cert;       // PEM certificate chain (--tls_cert); empty: no TLS
  std::string key;        // PEM private key (--tls_key)
  std::string client_ca;  // PEM CA that client certificates must chain to
                          // (--tls_client_ca); empty: no client certificates
};

// True for 127.0.0.0/8, localhost and [::1] listen addresses ("host:port").
bool IsLoopbackListen(const std::string& listen);

// TLS credentials from the files (insecure ones when tls.cert is empty).
// INVALID_ARGUMENT naming the flag when only one of cert and key is given or
// a client CA comes without them; NOT_FOUND for an unreadable file (read
// through `env`).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(const TlsFiles& tls,
                                                                               Env* env);

// A non-loopback `listen` needs TLS and tokens unless `insecure` says
// otherwise; INVALID_ARGUMENT naming the flags.
absl::Status CheckListenSecurity(const std::string& listen, const TlsFiles& tls,
                                 bool has_tokens, bool insecure);

}  // namespace fln

#endif  // FLN_SERVER_SERVER_CREDENTIALS_H_
