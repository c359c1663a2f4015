// File: token_authenticator.h
//
// Bearer-token authentication for flnd (--auth_token_file). The file holds
// one token per line as "NAME TOKEN" (blank lines and lines starting with #
// are ignored); NAME is what the server records as the creator of the
// datasets and jobs a token's calls make. The file is read again when it
// changes (checked at most once a second), so operators rotate a token by
// adding the new line and revoke it by deleting its line, without a restart.
//
// A call authenticates with the metadata "authorization: Bearer TOKEN".
#ifndef FLN_SERVER_TOKEN_AUTHENTICATOR_H_
#define FLN_SERVER_TOKEN_AUTHENTICATOR_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "server/env.h"

namespace fln {

class TokenAuthenticator {
 public:
  // INVALID_ARGUMENT naming the line for a malformed file (a line without
  // both fields, a token shorter than 16 characters, a repeated name or
  // token), or one without tokens; NOT_FOUND if it cannot be read. The file
  // is read through `env`, and checked for changes at most once a second of
  // `env`'s clock.
  static absl::StatusOr<std::unique_ptr<TokenAuthenticator>> FromFile(const std::string& path,
                                                                      Env* env = Env::Default());

  // The token's name for an "authorization" header value "Bearer TOKEN";
  // UNAUTHENTICATED when it is missing, malformed or not (any longer) in the
  // file. If the file changed and no longer parses, the tokens read last
  // stay in force (and the error is logged).
  absl::StatusOr<std::string> Authenticate(absl::string_view authorization);

 private:
  using Tokens = std::vector<std::pair<std::string, std::string>>;  // (token, name)
  TokenAuthenticator(Env* env, std::string path);
  std::string Signature() const;
  static absl::StatusOr<Tokens> Parse(absl::string_view text, const std::string& path);
  void ReloadIfChanged() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Env* const env_;
  const std::string path_;
  absl::Mutex mu_;
  Tokens tokens_ ABSL_GUARDED_BY(mu_);
  std::string signature_ ABSL_GUARDED_BY(mu_);  // Signature() at the last read
  int64_t last_check_micros_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fln

#endif  // FLN_SERVER_TOKEN_AUTHENTICATOR_H_
