// Command-line handling that needs no server: usage errors, help, and
// RPC errors against an address where nothing listens.
#include "client/cli.h"

#include <sstream>

#include "gtest/gtest.h"

namespace fln {
namespace client {
namespace {

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result RunFln(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunCli(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(CliTest, NoCommandIsAUsageError) {
  Result r = RunFln({});
  EXPECT_EQ(r.code, 64);
  EXPECT_NE(r.err.find("usage: fln"), std::string::npos);
}

TEST(CliTest, HelpPrintsEveryCommandToStdout) {
  Result r = RunFln({"--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* name : {"dataset upload", "dataset import", "submit", "watch", "predict",
                           "evaluate", "model get", "jobs", "cancel", "health"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  }
}

TEST(CliTest, UnknownCommandIsAUsageError) {
  Result r = RunFln({"--json", "frobnicate"});
  EXPECT_EQ(r.code, 64);
  EXPECT_NE(r.err.find("unknown command: frobnicate"), std::string::npos) << r.err;
}

TEST(CliTest, GroupWithoutSubcommandListsThem) {
  Result r = RunFln({"dataset"});
  EXPECT_EQ(r.code, 64);
  EXPECT_NE(r.err.find("dataset needs one of: upload, import, list, get, rm"), std::string::npos)
      << r.err;
}

TEST(CliTest, GlobalFlagsAreAcceptedAfterTheCommandToo) {
  Result r = RunFln({"dataset", "list", "--server", "127.0.0.1:1", "--timeout=2s"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("fln: UNAVAILABLE: ", 0), 0u) << r.err;
}

TEST(CliTest, UnknownFlagShowsTheCommandsUsage) {
  Result r = RunFln({"dataset", "list", "--bogus"});
  EXPECT_EQ(r.code, 64);
  EXPECT_NE(r.err.find("unknown flag --bogus"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("usage: fln [global flags] dataset list"), std::string::npos) << r.err;
}

TEST(CliTest, WrongPositionalCountIsAUsageError) {
  EXPECT_EQ(RunFln({"watch"}).code, 64);
  EXPECT_EQ(RunFln({"job", "get", "a", "b"}).code, 64);
}

TEST(CliTest, SubmitWithoutRequiredFlagsIsAUsageError) {
  Result r = RunFln({"submit", "--train=d1"});
  EXPECT_EQ(r.code, 64);
  EXPECT_NE(r.err.find("--model is required"), std::string::npos) << r.err;
}

TEST(CliTest, CommandHelpPrintsItsUsage) {
  Result r = RunFln({"predict", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--idx_images"), std::string::npos);
}

TEST(CliTest, LocalFileErrorExitsOneWithCodeName) {
  Result r = RunFln({"submit", "--train=d1", "--model=/nonexistent/m", "--schedule=/nonexistent/s"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("fln: NOT_FOUND: /nonexistent/m", 0), 0u) << r.err;
}

TEST(CliTest, UnreachableServerIsUnavailable) {
  // Port 1 on localhost: nothing listens there.
  Result r = RunFln({"--server=127.0.0.1:1", "--timeout=5s", "dataset", "list"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("fln: UNAVAILABLE: ", 0), 0u) << r.err;
}

}  // namespace
}  // namespace client
}  // namespace fln
