// File: model_shorthand.h
//
// Short model names for command lines: "mlp:300" is input -> 300 -> classes,
// "mlp:300,100" adds a second hidden layer, "linear" is softmax regression.
#ifndef FLN_CORE_MODEL_SHORTHAND_H_
#define FLN_CORE_MODEL_SHORTHAND_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/model.pb.h"

namespace fln {

// Returns INVALID_ARGUMENT for an unknown name or a malformed width list.
absl::StatusOr<v1::ModelSpec> ParseModelShorthand(absl::string_view text, int input_size,
                                                  int num_classes);

}  // namespace fln

#endif  // FLN_CORE_MODEL_SHORTHAND_H_
