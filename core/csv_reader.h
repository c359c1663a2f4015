// File: csv_reader.h
//
// Loads a labelled dataset from comma-separated text, one sample per line:
//
//   label,f1,f2,...,fn
//   3,0.5,12,-7.25
//
// Labels are non-negative integers; features are finite decimal numbers
// (stored as float, unscaled). Fields may be surrounded by spaces. Blank lines
// are skipped, "\r\n" line ends are accepted, and an optional header line may
// come first. Quoting is not supported: this is numeric data.
//
// Every malformed input is an INVALID_ARGUMENT naming the 1-based line number
// and, for a bad field, its 1-based column (the label is column 1):
//   "line 7, column 3: feature is NaN"
#ifndef FLN_CORE_CSV_READER_H_
#define FLN_CORE_CSV_READER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/dataset.h"

namespace fln {

// Largest file (after decompression) that LoadCsv reads.
inline constexpr int64_t kMaxCsvFileBytes = int64_t{1} << 31;

struct CsvOptions {
  // true: the first non-blank line is a header and is skipped.
  // false: auto-detect: the first non-blank line is a header if its first
  // field is not a number (so a data row with a bad label such as "-1" or
  // "2.5" is reported as an error, not silently skipped as a header).
  // A header must have as many fields as the data rows.
  bool has_header = false;
  // 0: infer max label + 1. > 0: labels must be < num_classes.
  int num_classes = 0;
};

// Parses CSV text into a dataset (num_features x num_samples, no image shape).
//
// Returns INVALID_ARGUMENT for: options.num_classes < 0; no data rows (empty
// text, or only a header); a row with no features; rows with differing field
// counts (ragged); an empty or non-numeric field; a NaN or infinite feature
// (including one that overflows float); a label that is not an integer, is
// negative, or is >= options.num_classes.
absl::StatusOr<Dataset> ParseCsv(absl::string_view text, const CsvOptions& options);

// Reads `path` (raw or gzip, detected from the content; at most
// kMaxCsvFileBytes after decompression) and parses it with ParseCsv.
// Returns ReadMaybeGzipFile's errors (NOT_FOUND for a missing file), or
// ParseCsv's with the path prefixed to the message.
absl::StatusOr<Dataset> LoadCsv(const std::string& path, const CsvOptions& options);

}  // namespace fln

#endif  // FLN_CORE_CSV_READER_H_
