// File: user_path.h
//
// Paths typed by a user, resolved where the user typed them. `bazel run`
// starts a binary in its runfiles tree, not in the user's directory, so a
// relative path such as examples/fln_fast.textproto would name a file the
// user never meant; Bazel passes the user's directory in
// BUILD_WORKING_DIRECTORY.
//
//   std::ifstream in(ResolveUserPath(absl::GetFlag(FLAGS_schedule)));
#ifndef FLN_CLIENT_USER_PATH_H_
#define FLN_CLIENT_USER_PATH_H_

#include <string>

namespace fln {

// `path` unchanged if it is empty, absolute or BUILD_WORKING_DIRECTORY is
// unset; else BUILD_WORKING_DIRECTORY/path.
std::string ResolveUserPath(const std::string& path);

}  // namespace fln

#endif  // FLN_CLIENT_USER_PATH_H_
