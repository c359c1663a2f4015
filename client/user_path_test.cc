#include "client/user_path.h"

#include <cstdlib>

#include "gtest/gtest.h"

namespace fln {
namespace {

TEST(UserPathTest, RelativePathsResolveAgainstTheDirectoryBazelRunWasCalledFrom) {
  ASSERT_EQ(setenv("BUILD_WORKING_DIRECTORY", "/home/me/fln", 1), 0);
  EXPECT_EQ(ResolveUserPath("examples/fln_fast.textproto"),
            "/home/me/fln/examples/fln_fast.textproto");
  EXPECT_EQ(ResolveUserPath("/abs/x"), "/abs/x");
  EXPECT_EQ(ResolveUserPath(""), "");
  ASSERT_EQ(unsetenv("BUILD_WORKING_DIRECTORY"), 0);
  EXPECT_EQ(ResolveUserPath("examples/x"), "examples/x") << "outside bazel run: as typed";
}

}  // namespace
}  // namespace fln
