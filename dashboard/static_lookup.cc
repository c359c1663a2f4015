#include "dashboard/static_files.h"

namespace fln {
namespace dashboard {

const StaticFile* FindStaticFile(absl::string_view path) {
  if (path == "/") path = "/index.html";
  for (const StaticFile& file : StaticFiles()) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

}  // namespace dashboard
}  // namespace fln
