// flnd with a test-only flag, for tests that must interrupt a job at a known
// point in another process (kill -9 included). Never installed or shipped:
// the production flnd (flnd_main.cc) has no such flag.
//
//   flnd_for_testing --pause_after_epoch=2 [--pause_release_file=PATH] \
//       --data_dir=... --listen=127.0.0.1:0
#include <string>

#include "absl/flags/flag.h"
#include "server/flnd.h"
#include "server/test_util.h"

ABSL_FLAG(int, pause_after_epoch, 0,
          "jobs wait after checkpointing this epoch until cancelled or shut down (0 = never)");
ABSL_FLAG(std::string, pause_release_file, "",
          "if set, a paused job also goes on once this file does not exist");

int main(int argc, char** argv) {
  return fln::FlndMain(argc, argv, [](fln::FlnServer::Options* options) {
    const int epoch = absl::GetFlag(FLAGS_pause_after_epoch);
    if (epoch > 0)
      options->after_checkpoint =
          fln::testing_util::PauseAfterEpoch(epoch, absl::GetFlag(FLAGS_pause_release_file));
  });
}
