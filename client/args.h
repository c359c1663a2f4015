// File: args.h
//
// Command-line parsing for `fln` subcommands. Each command declares the flags
// it accepts; anything else is a usage error (exit 64), never silently
// ignored.
//
//   --name=value    a flag with a value
//   --name value    the same, for a flag declared to take a value
//   --name          a boolean flag (also --name=true / --name=false)
//   --              ends the flags; the rest are positional
//
//   FLN_ASSIGN_OR_RETURN(Args args, Args::Parse(tokens, {{"state", true}}));
//   std::string state = args.Get("state");
#ifndef FLN_CLIENT_ARGS_H_
#define FLN_CLIENT_ARGS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fln {
namespace client {

// An INVALID_ARGUMENT marked as a usage error, so the CLI prints the
// command's usage and exits 64 instead of treating it as a failed request.
absl::Status UsageError(absl::string_view message);
bool IsUsageError(const absl::Status& status);

struct FlagSpec {
  std::string name;
  bool takes_value = true;  // false: a boolean flag
};

class Args {
 public:
  // Returns a usage error for an undeclared flag, a value given to a boolean
  // flag other than true/false, or a flag needing a value at the end of
  // `tokens`. A repeated flag keeps its last value.
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& tokens,
                                    const std::vector<FlagSpec>& specs);

  bool Has(absl::string_view name) const;
  // The flag's value, or `fallback` when it was not given.
  std::string Get(absl::string_view name, absl::string_view fallback = "") const;
  // Boolean flags: true when given without a value or as --name=true.
  bool GetBool(absl::string_view name) const;
  // Usage errors name the flag and the value: "--count must be an integer, got x".
  absl::StatusOr<int64_t> GetInt(absl::string_view name, int64_t fallback) const;
  absl::StatusOr<double> GetDouble(absl::string_view name, double fallback) const;
  // "30s", "1m30s", "500ms", or a plain number of seconds.
  absl::StatusOr<absl::Duration> GetDuration(absl::string_view name,
                                             absl::Duration fallback) const;

  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string, std::less<>> flags_;
  std::vector<std::string> positional_;
};

}  // namespace client
}  // namespace fln

#endif  // FLN_CLIENT_ARGS_H_
