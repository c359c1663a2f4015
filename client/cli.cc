#include "client/cli.h"

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "client/args.h"
#include "client/command.h"
#include "client/connection.h"
#include "client/text_proto.h"
#include "core/status_macros.h"

namespace fln {
namespace client {
namespace {

constexpr char kDefaultServer[] = "127.0.0.1:50051";
constexpr absl::Duration kDefaultTimeout = absl::Seconds(60);

const std::vector<FlagSpec>& GlobalFlags() {
  static const auto* flags = new std::vector<FlagSpec>{
      {"server"},    {"json", false}, {"timeout"},     {"help", false},
      {"token_file"}, {"ca_cert"},     {"client_cert"}, {"client_key"}};
  return *flags;
}

const std::vector<Command>& AllCommands() {
  static const auto* commands = [] {
    auto* all = new std::vector<Command>();
    for (auto table : {DatasetCommands, JobCommands, ModelCommands, HealthCommands}) {
      for (Command& command : table()) all->push_back(std::move(command));
    }
    return all;
  }();
  return *commands;
}

std::string Usage() {
  std::string text =
      "usage: fln [--server=ADDR] [--json] [--timeout=DUR] [--token_file=F] [--ca_cert=F]\n"
      "           [--client_cert=F --client_key=F] COMMAND [ARGS]\n"
      "  --server       server address (default 127.0.0.1:50051)\n"
      "  --json         one JSON object per line on stdout\n"
      "  --timeout      deadline of each unary call, e.g. 30s (default 60s)\n"
      "  --token_file   file holding the server's bearer token (flnd --auth_token_file)\n"
      "  --ca_cert      PEM CA of the server's certificate: connect with TLS\n"
      "  --client_cert  PEM client certificate and --client_key its key, for mTLS\n"
      "commands:\n";
  for (const Command& c : AllCommands()) {
    absl::StrAppend(&text, absl::StrFormat("  %-15s %s\n", c.name, c.help));
  }
  absl::StrAppend(&text, "`fln COMMAND --help` shows a command's arguments.\n");
  return text;
}

std::string CommandUsage(const Command& c) {
  return absl::StrCat("usage: fln [global flags] ", c.name, c.usage.empty() ? "" : " ", c.usage,
                      "\n  ", c.help, "\n");
}

// The global flags end at the first word that is not a flag (or a flag's value).
size_t CommandStart(const std::vector<std::string>& args) {
  size_t i = 0;
  while (i < args.size() && absl::StartsWith(args[i], "--") && args[i] != "--") {
    bool takes_value = false;
    for (const FlagSpec& flag : GlobalFlags()) {
      takes_value |= flag.takes_value && args[i] == absl::StrCat("--", flag.name);
    }
    i += takes_value ? 2 : 1;
  }
  return std::min(i, args.size());
}

// The command named by args[start] (and args[start + 1] for two-word
// commands); sets *words to how many words the name used.
const Command* FindCommand(const std::vector<std::string>& args, size_t start, size_t* words) {
  for (size_t n : {2, 1}) {
    if (start + n > args.size()) continue;
    std::string name = args[start];
    if (n == 2) absl::StrAppend(&name, " ", args[start + 1]);
    for (const Command& command : AllCommands()) {
      if (command.name == name) {
        *words = n;
        return &command;
      }
    }
  }
  return nullptr;
}

int ReportError(const absl::Status& status, const Command* command, std::ostream& err) {
  if (IsUsageError(status)) {
    err << "fln: " << status.message() << "\n" << (command ? CommandUsage(*command) : Usage());
    return kExitUsage;
  }
  err << "fln: " << absl::StatusCodeToString(status.code()) << ": " << status.message() << "\n";
  return kExitError;
}

// "dataset" alone names a group: list its subcommands.
absl::Status UnknownCommand(const std::string& word) {
  std::vector<std::string> subcommands;
  for (const Command& command : AllCommands()) {
    if (absl::StartsWith(command.name, word + " ")) {
      subcommands.push_back(command.name.substr(word.size() + 1));
    }
  }
  if (subcommands.empty()) return UsageError(absl::StrCat("unknown command: ", word));
  return UsageError(absl::StrCat(word, " needs one of: ", absl::StrJoin(subcommands, ", ")));
}

// The flag's value from the command's flags if given there, else from the
// global flags before the command.
const Args& Source(const Args& command_args, const Args& globals, absl::string_view name) {
  return command_args.Has(name) ? command_args : globals;
}

// The contents of the file the flag names ("" when the flag is absent).
absl::StatusOr<std::string> FlagFile(const Args& command_args, const Args& globals,
                                     absl::string_view flag) {
  const std::string path = Source(command_args, globals, flag).Get(flag, "");
  if (path.empty()) return std::string();
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", path, ": ", text.status().message()));
  }
  return text;
}

absl::StatusOr<ClientSecurity> SecurityFromFlags(const Args& command_args, const Args& globals) {
  ClientSecurity security;
  FLN_ASSIGN_OR_RETURN(const std::string token, FlagFile(command_args, globals, "token_file"));
  security.token = std::string(absl::StripAsciiWhitespace(token));
  FLN_ASSIGN_OR_RETURN(security.ca_cert, FlagFile(command_args, globals, "ca_cert"));
  FLN_ASSIGN_OR_RETURN(security.client_cert, FlagFile(command_args, globals, "client_cert"));
  FLN_ASSIGN_OR_RETURN(security.client_key, FlagFile(command_args, globals, "client_key"));
  if (security.client_cert.empty() != security.client_key.empty()) {
    return UsageError("--client_cert and --client_key go together");
  }
  if (!security.client_cert.empty() && security.ca_cert.empty()) {
    return UsageError("--client_cert needs --ca_cert (mTLS runs over TLS)");
  }
  return security;
}

absl::StatusOr<int> Run(const std::vector<std::string>& args, std::ostream& out,
                        std::ostream& err, const Command** command) {
  const size_t start = CommandStart(args);
  FLN_ASSIGN_OR_RETURN(const Args globals,
                       Args::Parse({args.begin(), args.begin() + start}, GlobalFlags()));
  if (globals.GetBool("help") || (start < args.size() && args[start] == "help")) {
    out << Usage();
    return kExitOk;
  }
  if (start == args.size()) return UsageError("no command given");
  size_t words = 0;
  *command = FindCommand(args, start, &words);
  if (*command == nullptr) return UnknownCommand(args[start]);
  std::vector<FlagSpec> specs = (*command)->flags;
  specs.insert(specs.end(), GlobalFlags().begin(), GlobalFlags().end());
  FLN_ASSIGN_OR_RETURN(const Args command_args,
                       Args::Parse({args.begin() + start + words, args.end()}, specs));
  if (command_args.GetBool("help")) {
    out << CommandUsage(**command);
    return kExitOk;
  }
  const int given = static_cast<int>(command_args.positional().size());
  if (given < (*command)->min_positional || given > (*command)->max_positional) {
    return UsageError(absl::StrCat((*command)->name, " takes ", (*command)->min_positional,
                                   (*command)->min_positional == (*command)->max_positional
                                       ? ""
                                       : absl::StrCat(" to ", (*command)->max_positional),
                                   " argument(s), got ", given));
  }
  FLN_ASSIGN_OR_RETURN(const absl::Duration timeout,
                       Source(command_args, globals, "timeout")
                           .GetDuration("timeout", kDefaultTimeout));
  FLN_ASSIGN_OR_RETURN(const ClientSecurity security, SecurityFromFlags(command_args, globals));
  Connection connection(
      MakeChannel(Source(command_args, globals, "server").Get("server", kDefaultServer), security),
      timeout);
  CommandContext ctx;
  ctx.json = Source(command_args, globals, "json").GetBool("json");
  ctx.connection = &connection;
  ctx.out = &out;
  ctx.err = &err;
  return (*command)->run(ctx, command_args);
}

}  // namespace

int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const Command* command = nullptr;
  const absl::StatusOr<int> result = Run(args, out, err, &command);
  if (!result.ok()) return ReportError(result.status(), command, err);
  return *result;
}

}  // namespace client
}  // namespace fln
