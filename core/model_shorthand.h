// File: model_shorthand.h
//
// Short model names for command lines: "mlp:300" is input -> 300 -> classes,
// "mlp:300,100" adds a second hidden layer, "linear" is softmax regression,
// "lenet5" is the authors' LeNet-5 for 28x28 images (docs/method.md, "The blocks"):
// conv 6@5x5 (same) -> avgpool 2 -> conv 16@5x5 -> avgpool 2 -> 120 -> 84 -> classes.
#ifndef FLN_CORE_MODEL_SHORTHAND_H_
#define FLN_CORE_MODEL_SHORTHAND_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/model.pb.h"

namespace fln {

// Returns INVALID_ARGUMENT for an unknown name or a malformed width list.
absl::StatusOr<v1::ModelSpec> ParseModelShorthand(absl::string_view text, int input_size,
                                                  int num_classes);

// The LeNet-5 spec behind "lenet5". REQUIRES input_size == 784.
absl::StatusOr<v1::ModelSpec> LeNet5(int input_size, int num_classes);

}  // namespace fln

#endif  // FLN_CORE_MODEL_SHORTHAND_H_
