// File: cli.h
//
// `fln`, the command-line client of the fln gRPC API:
//
//   fln [--server=ADDR] [--json] [--timeout=DUR] COMMAND [ARGS...]
//
// Global flags normally come before the command (they are accepted after it
// too). --json prints one JSON object per line on stdout; notes and errors
// go to stderr. Exit codes: 0 success; 1 an RPC or local error, printed as
// "fln: <CODE>: <message>"; 2 `fln watch` on a job that FAILED or was
// CANCELLED; 64 a usage error.
#ifndef FLN_CLIENT_CLI_H_
#define FLN_CLIENT_CLI_H_

#include <ostream>
#include <string>
#include <vector>

namespace fln {
namespace client {

// Runs one command line (`args` without the program name).
int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace client
}  // namespace fln

#endif  // FLN_CLIENT_CLI_H_
