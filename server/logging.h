// File: logging.h
//
// One-line diagnostics on stderr, timestamped (Debian's Abseil has no
// absl/log). stdout is reserved for the "flnd listening on ..." line.
//
//   Log(absl::StrCat("job ", id, " resumed from epoch ", epoch));
#ifndef FLN_SERVER_LOGGING_H_
#define FLN_SERVER_LOGGING_H_

#include "absl/strings/string_view.h"

namespace fln {

// Writes "<UTC time> flnd: <message>\n" to stderr in one write. Thread-safe.
void Log(absl::string_view message);

}  // namespace fln

#endif  // FLN_SERVER_LOGGING_H_
