#include "core/csv_reader.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/idx_reader.h"
#include "core/status_macros.h"

namespace fln {
namespace {

// Splits `line` at commas, stripping ASCII whitespace around each field.
void SplitFields(absl::string_view line, std::vector<absl::string_view>* fields) {
  fields->clear();
  size_t start = 0;
  for (;;) {
    const size_t comma = line.find(',', start);
    const absl::string_view field =
        line.substr(start, comma == absl::string_view::npos ? absl::string_view::npos
                                                            : comma - start);
    fields->push_back(absl::StripAsciiWhitespace(field));
    if (comma == absl::string_view::npos) return;
    start = comma + 1;
  }
}

// A field quoted for an error message, shortened so a huge garbage field
// cannot flood the log.
std::string Quoted(absl::string_view field) {
  constexpr size_t kMaxShown = 40;
  if (field.size() <= kMaxShown) return absl::StrCat("'", field, "'");
  return absl::StrCat("'", field.substr(0, kMaxShown), "...'");
}

bool IsNumber(absl::string_view field) {
  float unused;
  return absl::SimpleAtof(field, &unused);
}

absl::Status FieldError(int line, int column, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("line ", line, ", column ", column, ": ", what));
}

// Parses a label: a non-negative integer, also accepted when written as an
// integer-valued float ("3.0"), as some exporters do.
absl::Status ParseLabel(absl::string_view field, int line, int num_classes,
                        int32_t* label) {
  if (field.empty()) return FieldError(line, 1, "label is empty");
  int64_t value = 0;
  if (!absl::SimpleAtoi(field, &value)) {
    double as_double = 0;
    if (!absl::SimpleAtod(field, &as_double) || !std::isfinite(as_double)) {
      return FieldError(line, 1, absl::StrCat("label ", Quoted(field), " is not a number"));
    }
    if (as_double != std::floor(as_double) || std::fabs(as_double) > 1e18) {
      return FieldError(line, 1,
                        absl::StrCat("label ", Quoted(field), " is not an integer"));
    }
    value = static_cast<int64_t>(as_double);
  }
  if (value < 0) {
    return FieldError(line, 1, absl::StrCat("label ", value, " is negative"));
  }
  if (num_classes > 0 && value >= num_classes) {
    return FieldError(line, 1,
                      absl::StrCat("label ", value, " >= num_classes ", num_classes));
  }
  if (value >= std::numeric_limits<int32_t>::max()) {
    return FieldError(line, 1, absl::StrCat("label ", value, " is too large"));
  }
  *label = static_cast<int32_t>(value);
  return absl::OkStatus();
}

absl::Status ParseFeature(absl::string_view field, int line, int column, float* out) {
  if (field.empty()) return FieldError(line, column, "feature is empty");
  if (!absl::SimpleAtof(field, out)) {
    return FieldError(line, column,
                      absl::StrCat("feature ", Quoted(field), " is not a number"));
  }
  if (std::isnan(*out)) {
    return FieldError(line, column, absl::StrCat("feature is NaN (", Quoted(field), ")"));
  }
  if (std::isinf(*out)) {
    // Also reached by finite text beyond float's range, such as "1e39".
    return FieldError(line, column,
                      absl::StrCat("feature is ", *out > 0 ? "Inf" : "-Inf", " (",
                                   Quoted(field), ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Dataset> ParseCsv(absl::string_view text, const CsvOptions& options) {
  if (options.num_classes < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_classes must be >= 0, got ", options.num_classes));
  }
  std::vector<absl::string_view> fields;
  std::vector<float> values;  // sample-major: the column-major feature matrix
  std::vector<int32_t> labels;
  size_t num_fields = 0;  // label + features, fixed by the first row seen
  int header_line = 0;    // 0: no header
  bool first_line = true;
  int32_t max_label = 0;
  int line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == absl::string_view::npos) end = text.size();
    absl::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    SplitFields(line, &fields);

    if (first_line) {
      first_line = false;
      if (options.has_header || !IsNumber(fields[0])) {
        header_line = line_number;
        num_fields = fields.size();
        continue;
      }
    }
    if (fields.size() < 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_number, ": row has no features (expected label,f1,f2,...)"));
    }
    if (num_fields == 0) {
      num_fields = fields.size();
    } else if (fields.size() != num_fields) {
      if (header_line != 0 && labels.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "line ", line_number, ": row has ", fields.size(), " fields but the header (line ",
            header_line, ") has ", num_fields));
      }
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": row has ", fields.size(),
                       " fields, expected ", num_fields, " (label + ", num_fields - 1,
                       " features)"));
    }

    if (labels.empty()) {
      // Assume every row is about as long as this one.
      const size_t estimated_rows = text.size() / (line.size() + 1) + 1;
      values.reserve(estimated_rows * (num_fields - 1));
      labels.reserve(estimated_rows);
    }
    int32_t label = 0;
    FLN_RETURN_IF_ERROR(ParseLabel(fields[0], line_number, options.num_classes, &label));
    max_label = std::max(max_label, label);
    labels.push_back(label);
    for (size_t c = 1; c < fields.size(); ++c) {
      float value = 0;
      FLN_RETURN_IF_ERROR(
          ParseFeature(fields[c], line_number, static_cast<int>(c) + 1, &value));
      values.push_back(value);
    }
  }
  if (labels.empty()) {
    return absl::InvalidArgumentError(
        header_line != 0 ? "CSV has a header but no data rows" : "CSV has no data rows");
  }
  if (labels.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::InvalidArgumentError(
        absl::StrCat("CSV has ", labels.size(), " rows, more than supported"));
  }

  Dataset data;
  const Eigen::Index num_features = static_cast<Eigen::Index>(num_fields - 1);
  data.features = Eigen::Map<const Matrix>(values.data(), num_features,
                                           static_cast<Eigen::Index>(labels.size()));
  data.labels = std::move(labels);
  data.num_classes = options.num_classes > 0 ? options.num_classes : max_label + 1;
  return data;
}

absl::StatusOr<Dataset> LoadCsv(const std::string& path, const CsvOptions& options) {
  FLN_ASSIGN_OR_RETURN(std::string text, ReadMaybeGzipFile(path, kMaxCsvFileBytes));
  absl::StatusOr<Dataset> data = ParseCsv(text, options);
  if (!data.ok()) {
    return absl::Status(data.status().code(),
                        absl::StrCat(path, ": ", data.status().message()));
  }
  return data;
}

}  // namespace fln
