#include "core/model_shorthand.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"
#include "core/validation.h"

namespace fln {

absl::StatusOr<v1::ModelSpec> ParseModelShorthand(absl::string_view text, int input_size,
                                                  int num_classes) {
  v1::ModelSpec spec;
  spec.set_input_size(input_size);
  if (text == "linear") {
    spec.add_layers()->mutable_dense()->set_units(num_classes);
    FLN_RETURN_IF_ERROR(ValidateModelSpec(spec));
    return spec;
  }
  if (!absl::ConsumePrefix(&text, "mlp:")) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown model \"", text, "\"; expected mlp:W1[,W2...] or linear"));
  }
  for (absl::string_view width : absl::StrSplit(text, ',')) {
    int units = 0;
    if (!absl::SimpleAtoi(width, &units) || units <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("model width \"", width, "\" is not a positive integer"));
    }
    spec.add_layers()->mutable_dense()->set_units(units);
  }
  spec.add_layers()->mutable_dense()->set_units(num_classes);
  FLN_RETURN_IF_ERROR(ValidateModelSpec(spec));
  return spec;
}

}  // namespace fln
