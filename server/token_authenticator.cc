#include "server/token_authenticator.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/status_macros.h"
#include "server/file_util.h"
#include "server/logging.h"

namespace fln {
namespace {

constexpr size_t kMinTokenLength = 16;
constexpr int64_t kCheckIntervalMicros = 1000000;

}  // namespace

// What tells a changed file: the modification time alone does not, since two
// writes within one kernel clock tick share it; an atomic replacement (write
// and rename) also changes the inode, an edit in place mostly the size.
std::string TokenAuthenticator::Signature() const {
  absl::StatusOr<FileVersion> version = env_->StatFile(path_);
  if (!version.ok()) return "missing";
  return absl::StrCat(version->mtime_nanos, "/", version->inode, "/", version->size);
}

namespace {

// Compares without an early exit, so the time taken does not reveal how
// much of a guess matched.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (size_t i = 0; i < a.size(); ++i) difference |= a[i] ^ b[i];
  return difference == 0;
}

}  // namespace

absl::StatusOr<TokenAuthenticator::Tokens> TokenAuthenticator::Parse(absl::string_view text,
                                                                    const std::string& path) {
  Tokens tokens;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const std::string where = absl::StrCat(path, " line ", line_number);
    if (fields.size() != 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": want \"NAME TOKEN\", got ", fields.size(), " fields"));
    }
    if (fields[1].size() < kMinTokenLength) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": the token of '", fields[0],
                                                     "' is shorter than ", kMinTokenLength,
                                                     " characters"));
    }
    for (const auto& [token, name] : tokens) {
      if (name == fields[0] || token == fields[1]) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": name or token of '", fields[0], "' repeats an earlier line"));
      }
    }
    tokens.emplace_back(std::string(fields[1]), std::string(fields[0]));
  }
  if (tokens.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, " holds no \"NAME TOKEN\" line"));
  }
  return tokens;
}

absl::StatusOr<std::unique_ptr<TokenAuthenticator>> TokenAuthenticator::FromFile(
    const std::string& path, Env* env) {
  std::unique_ptr<TokenAuthenticator> auth(new TokenAuthenticator(env, path));
  absl::MutexLock lock(&auth->mu_);
  auth->signature_ = auth->Signature();
  FLN_ASSIGN_OR_RETURN(const std::string text, ReadFileToString(env, path));
  FLN_ASSIGN_OR_RETURN(auth->tokens_, Parse(text, path));
  return auth;
}

TokenAuthenticator::TokenAuthenticator(Env* env, std::string path)
    : env_(env), path_(std::move(path)), last_check_micros_(env->NowMicros()) {}

void TokenAuthenticator::ReloadIfChanged() {
  const int64_t now = env_->NowMicros();
  if (now - last_check_micros_ < kCheckIntervalMicros) return;
  last_check_micros_ = now;
  std::string signature = Signature();
  if (signature == signature_) return;
  signature_ = std::move(signature);
  absl::StatusOr<std::string> text = ReadFileToString(env_, path_);
  absl::StatusOr<Tokens> tokens = text.ok() ? Parse(*text, path_) : text.status();
  if (!tokens.ok()) {
    Log(absl::StrCat("auth token file changed but is unusable, keeping the previous tokens: ",
                     tokens.status().ToString()));
    return;
  }
  tokens_ = std::move(tokens).value();
  Log(absl::StrCat("auth token file reloaded: ", tokens_.size(), " tokens"));
}

absl::StatusOr<std::string> TokenAuthenticator::Authenticate(absl::string_view authorization) {
  absl::string_view token = authorization;
  if (!absl::ConsumePrefix(&token, "Bearer ") || token.empty()) {
    return absl::UnauthenticatedError(
        "this server needs a token: send the metadata \"authorization: Bearer TOKEN\" (fln "
        "--token_file=FILE)");
  }
  absl::MutexLock lock(&mu_);
  ReloadIfChanged();
  const std::string* found = nullptr;
  for (const auto& [known, name] : tokens_) {
    if (ConstantTimeEquals(token, known)) found = &name;
  }
  if (found == nullptr) return absl::UnauthenticatedError("unknown or revoked token");
  return *found;
}

}  // namespace fln
