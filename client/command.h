// File: command.h
//
// What every `fln` command gets and returns. A command parses nothing
// itself: the dispatcher (cli.h) has already checked its flags and
// positional count against its Command entry.
//
// A command returns its exit code (0, or 2 for `fln watch` on a job that
// failed or was cancelled) or an error: a usage error (args.h UsageError)
// exits 64 with the command's usage; any other error prints
// "fln: <CODE>: <message>" and exits 1.
#ifndef FLN_CLIENT_COMMAND_H_
#define FLN_CLIENT_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/args.h"
#include "client/connection.h"
#include "google/protobuf/message.h"

namespace fln {
namespace client {

// Exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;       // RPC or local error
inline constexpr int kExitJobFailed = 2;   // watch: FAILED or CANCELLED
inline constexpr int kExitUsage = 64;      // EX_USAGE

struct CommandContext {
  bool json = false;
  Connection* connection = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;

  // Writes `line` and a newline to out, flushed (watch output is live).
  void Print(absl::string_view line) const;
  // A proto: its JSON with --json, else `human`.
  absl::Status PrintProto(const google::protobuf::Message& message, absl::string_view human) const;
  // A note for the user on err, never on out (keeps --json output clean).
  void Note(absl::string_view line) const;
};

using CommandFn = absl::StatusOr<int> (*)(const CommandContext&, const Args&);

struct Command {
  std::string name;   // "dataset upload", "watch", ...
  std::string usage;  // the arguments after the name
  std::string help;   // one line
  std::vector<FlagSpec> flags;
  int min_positional = 0;
  int max_positional = 0;
  CommandFn run = nullptr;
};

// The command tables, one per source file.
std::vector<Command> DatasetCommands();
std::vector<Command> JobCommands();
std::vector<Command> ModelCommands();
std::vector<Command> HealthCommands();

}  // namespace client
}  // namespace fln

#endif  // FLN_CLIENT_COMMAND_H_
