#include "server/server_credentials.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "server/file_util.h"

namespace fln {

bool IsLoopbackListen(const std::string& listen) {
  const std::string host = listen.substr(0, listen.rfind(':'));
  return host == "localhost" || host == "[::1]" || absl::StartsWith(host, "127.");
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(const TlsFiles& tls,
                                                                               Env* env) {
  if (tls.cert.empty() != tls.key.empty()) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
  }
  if (tls.cert.empty()) {
    if (!tls.client_ca.empty()) {
      return absl::InvalidArgumentError("--tls_client_ca needs --tls_cert and --tls_key");
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  FLN_ASSIGN_OR_RETURN(pair.private_key, ReadFileToString(env, tls.key));
  FLN_ASSIGN_OR_RETURN(pair.cert_chain, ReadFileToString(env, tls.cert));
  options.pem_key_cert_pairs.push_back(std::move(pair));
  if (!tls.client_ca.empty()) {
    FLN_ASSIGN_OR_RETURN(options.pem_root_certs, ReadFileToString(env, tls.client_ca));
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

absl::Status CheckListenSecurity(const std::string& listen, const TlsFiles& tls,
                                 bool has_tokens, bool insecure) {
  if (insecure || IsLoopbackListen(listen) || (!tls.cert.empty() && has_tokens)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--listen=", listen, " is reachable from other machines: give --tls_cert, --tls_key and "
      "--auth_token_file, or pass --insecure to serve without them"));
}

}  // namespace fln
