// File: static_files.h
//
// The dashboard's pages, scripts and styles, and the vendored uPlot, compiled
// into the binary (embed_static.sh generates the definition from
// dashboard/static/ and third_party/uplot/ at build time).
//
//   const StaticFile* file = FindStaticFile("/job.html");
//   if (file != nullptr) Serve(file->content_type, file->body);
#ifndef FLN_DASHBOARD_STATIC_FILES_H_
#define FLN_DASHBOARD_STATIC_FILES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace fln {
namespace dashboard {

struct StaticFile {
  std::string path;          // URL path, e.g. "/index.html"
  std::string content_type;  // e.g. "text/html; charset=utf-8"
  std::string body;
};

// Every embedded file (generated).
const std::vector<StaticFile>& StaticFiles();

// The file served at `path` ("/" is "/index.html"), or nullptr.
const StaticFile* FindStaticFile(absl::string_view path);

}  // namespace dashboard
}  // namespace fln

#endif  // FLN_DASHBOARD_STATIC_FILES_H_
