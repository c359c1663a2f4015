// File: layer_plan.h
//
// Turns a v1::ModelSpec into the list of weight layers it describes: shapes,
// convolution geometry and which layers pool their input (average pooling is
// folded into the next weight layer, docs/method.md, "The blocks"). The single place
// that walks a spec's shapes; validation.h and Network::Create both use it.
#ifndef FLN_CORE_LAYER_PLAN_H_
#define FLN_CORE_LAYER_PLAN_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/conv2d.h"
#include "proto/model.pb.h"

namespace fln {

struct LayerPlan {
  bool conv = false;
  Conv2dGeometry geometry;  // conv only, on the pooled input
  bool pool_input = false;
  int input_channels = 1, input_height = 1, input_width = 1;  // unpooled input map
  int input_size = 0;
  int output_size = 0;
  int weight_rows = 0;
  int weight_cols = 0;
};

// Returns INVALID_ARGUMENT naming the field when the spec is malformed:
// no layers, a non-positive size, a conv2d without the input image shape
// (input_height * input_width * input_channels must equal input_size), a
// kernel larger than its (padded) input, a pooling layer not between a
// convolution and a weight layer, a last layer that is not dense, fewer
// than 2 output classes.
absl::StatusOr<std::vector<LayerPlan>> PlanLayers(const v1::ModelSpec& spec);

// Weights and biases of all layers of `plan`.
int64_t ParameterCount(const std::vector<LayerPlan>& plan);

}  // namespace fln

#endif  // FLN_CORE_LAYER_PLAN_H_
