#include "client/user_path.h"

#include <cstdlib>

namespace fln {

std::string ResolveUserPath(const std::string& path) {
  const char* working_directory = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path[0] == '/' || working_directory == nullptr ||
      working_directory[0] == '\0') {
    return path;
  }
  return std::string(working_directory) + "/" + path;
}

}  // namespace fln
