#include "client/args.h"

#include <cmath>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace fln {
namespace client {
namespace {

constexpr char kUsagePayload[] = "type.fln.dev/usage";

const FlagSpec* FindSpec(const std::vector<FlagSpec>& specs, absl::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace

absl::Status UsageError(absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kUsagePayload, absl::Cord("1"));
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

absl::StatusOr<Args> Args::Parse(const std::vector<std::string>& tokens,
                                 const std::vector<FlagSpec>& specs) {
  Args args;
  bool flags_ended = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    if (flags_ended || !absl::StartsWith(token, "--")) {
      args.positional_.push_back(token);
      continue;
    }
    if (token == "--") {
      flags_ended = true;
      continue;
    }
    const size_t eq = token.find('=');
    const std::string name = token.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const FlagSpec* spec = FindSpec(specs, name);
    if (spec == nullptr) return UsageError(absl::StrCat("unknown flag --", name));
    std::string value;
    if (eq != std::string::npos) {
      value = token.substr(eq + 1);
      if (!spec->takes_value && value != "true" && value != "false") {
        return UsageError(absl::StrCat("--", name, " takes no value (or true/false), got ", value));
      }
    } else if (spec->takes_value) {
      if (i + 1 >= tokens.size()) return UsageError(absl::StrCat("--", name, " needs a value"));
      value = tokens[++i];
    } else {
      value = "true";
    }
    args.flags_[name] = value;
  }
  return args;
}

bool Args::Has(absl::string_view name) const { return flags_.find(name) != flags_.end(); }

std::string Args::Get(absl::string_view name, absl::string_view fallback) const {
  const auto it = flags_.find(name);
  return it == flags_.end() ? std::string(fallback) : it->second;
}

bool Args::GetBool(absl::string_view name) const { return Get(name, "false") == "true"; }

absl::StatusOr<int64_t> Args::GetInt(absl::string_view name, int64_t fallback) const {
  if (!Has(name)) return fallback;
  const std::string text = Get(name);
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) {
    return UsageError(absl::StrCat("--", name, " must be an integer, got ", text));
  }
  return value;
}

absl::StatusOr<double> Args::GetDouble(absl::string_view name, double fallback) const {
  if (!Has(name)) return fallback;
  const std::string text = Get(name);
  double value = 0;
  if (!absl::SimpleAtod(text, &value) || !std::isfinite(value)) {
    return UsageError(absl::StrCat("--", name, " must be a number, got ", text));
  }
  return value;
}

absl::StatusOr<absl::Duration> Args::GetDuration(absl::string_view name,
                                                 absl::Duration fallback) const {
  if (!Has(name)) return fallback;
  const std::string text = Get(name);
  double seconds = 0;
  absl::Duration value;
  if (absl::SimpleAtod(text, &seconds) && std::isfinite(seconds)) {
    value = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(text, &value)) {
    return UsageError(absl::StrCat("--", name, " must be a duration such as 30s, got ", text));
  }
  if (value <= absl::ZeroDuration()) {
    return UsageError(absl::StrCat("--", name, " must be > 0, got ", text));
  }
  return value;
}

}  // namespace client
}  // namespace fln
