// Fuzz target: the IDX parser (core/idx_reader.h, ParseIdx) on an images and
// a labels file. Input: a 2-byte little-endian length of the images part,
// the images bytes, then the labels bytes.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "core/idx_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  size_t split = data[0] | (static_cast<size_t>(data[1]) << 8);
  const absl::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  if (split > rest.size()) split = rest.size();
  fln::ParseIdx(rest.substr(0, split), rest.substr(split)).status().IgnoreError();
  return 0;
}
