// Fuzz target: the CSV parser (core/csv_reader.h, ParseCsv). Input: one
// options byte (bit 0: has_header; the rest: num_classes), then the text.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "core/csv_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  fln::CsvOptions options;
  options.has_header = (data[0] & 1) != 0;
  options.num_classes = data[0] >> 1;
  const absl::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  fln::ParseCsv(text, options).status().IgnoreError();
  return 0;
}
