// File: flnd.h
//
// flnd, the fln training and serving daemon, as a function, so that the
// production binary (flnd_main.cc) and a test build (testing/) share every
// flag and the startup and shutdown path.
//
//   flnd --listen=127.0.0.1:50051 --data_dir=./fln_data
//
// Prints "flnd listening on HOST:PORT" on stdout once it accepts calls (with
// --listen=HOST:0 the port is the one the kernel chose). SIGTERM or SIGINT
// shuts down gracefully (fln_server.h) and exits 0; running jobs resume from
// their last epoch checkpoint at the next start.
#ifndef FLN_SERVER_FLND_H_
#define FLN_SERVER_FLND_H_

#include <functional>

#include "server/fln_server.h"

namespace fln {

// Parses flnd's flags from argv, runs the server until a shutdown signal and
// returns the process exit code (1 if the server cannot start). `customize`,
// if set, adjusts the options built from the flags before the server starts.
int FlndMain(int argc, char** argv, const std::function<void(FlnServer::Options*)>& customize);

}  // namespace fln

#endif  // FLN_SERVER_FLND_H_
