#include "core/model_shorthand.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"
#include "core/validation.h"

namespace fln {

absl::StatusOr<v1::ModelSpec> LeNet5(int input_size, int num_classes) {
  if (input_size != 28 * 28) {
    return absl::InvalidArgumentError(
        absl::StrCat("lenet5 expects 28x28 single-channel images, got ", input_size,
                     " features"));
  }
  v1::ModelSpec spec;
  spec.set_input_size(input_size);
  spec.set_input_height(28);
  spec.set_input_width(28);
  spec.set_input_channels(1);
  auto conv = [&](int filters, v1::Padding padding) {
    v1::Conv2dLayer* layer = spec.add_layers()->mutable_conv2d();
    layer->set_filters(filters);
    layer->set_kernel_size(5);
    layer->set_stride(1);
    layer->set_padding(padding);
  };
  conv(6, v1::SAME);  // the authors pad 28x28 to 32x32 and convolve VALID: the same map
  spec.add_layers()->mutable_avg_pool()->set_size(2);
  conv(16, v1::VALID);
  spec.add_layers()->mutable_avg_pool()->set_size(2);
  for (int units : {120, 84, num_classes}) spec.add_layers()->mutable_dense()->set_units(units);
  FLN_RETURN_IF_ERROR(ValidateModelSpec(spec));
  return spec;
}

absl::StatusOr<v1::ModelSpec> ParseModelShorthand(absl::string_view text, int input_size,
                                                  int num_classes) {
  v1::ModelSpec spec;
  spec.set_input_size(input_size);
  if (text == "linear") {
    spec.add_layers()->mutable_dense()->set_units(num_classes);
    FLN_RETURN_IF_ERROR(ValidateModelSpec(spec));
    return spec;
  }
  if (text == "lenet5") return LeNet5(input_size, num_classes);
  if (!absl::ConsumePrefix(&text, "mlp:")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown model \"", text, "\"; expected mlp:W1[,W2...], linear or lenet5"));
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
