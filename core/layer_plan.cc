#include "core/layer_plan.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace fln {
namespace {

constexpr int kMaxUnits = 1 << 16;

absl::Status Invalid(const std::string& field, const std::string& requirement, int64_t got) {
  return absl::InvalidArgumentError(absl::StrCat(field, " must be ", requirement, ", got ", got));
}

struct MapShape {
  int channels, height, width;
  int size() const { return channels * height * width; }
};

}  // namespace

int64_t ParameterCount(const std::vector<LayerPlan>& plan) {
  int64_t parameters = 0;
  for (const LayerPlan& layer : plan) {
    parameters += static_cast<int64_t>(layer.weight_rows) * (layer.weight_cols + 1);
  }
  return parameters;
}

absl::StatusOr<std::vector<LayerPlan>> PlanLayers(const v1::ModelSpec& spec) {
  if (spec.input_size() <= 0 || spec.input_size() > (1 << 24)) {
    return Invalid("model.input_size", "in [1, 16777216]", spec.input_size());
  }
  if (spec.layers_size() == 0) return Invalid("model.layers", "a non-empty list", 0);
  const bool has_image = spec.input_height() > 0 || spec.input_width() > 0;
  MapShape shape{spec.input_size(), 1, 1};
  bool spatial = false;  // the current map has an image shape
  if (has_image) {
    const int channels = spec.input_channels() > 0 ? spec.input_channels() : 1;
    shape = MapShape{channels, spec.input_height(), spec.input_width()};
    if (spec.input_height() <= 0 || spec.input_width() <= 0 ||
        static_cast<int64_t>(shape.size()) != spec.input_size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "model.input_height * input_width * input_channels must equal input_size (",
          spec.input_size(), "), got ", spec.input_height(), " x ", spec.input_width(), " x ",
          channels));
    }
    spatial = true;
  }

  std::vector<LayerPlan> plans;
  bool pending_pool = false;
  for (int i = 0; i < spec.layers_size(); ++i) {
    const v1::LayerSpec& layer = spec.layers(i);
    const std::string field = absl::StrCat("model.layers[", i, "]");
    if (layer.has_avg_pool()) {
      if (layer.avg_pool().size() != 0 && layer.avg_pool().size() != 2) {
        return Invalid(field + ".avg_pool.size", "2", layer.avg_pool().size());
      }
      if (!spatial || pending_pool || shape.height < 2 || shape.width < 2) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ".avg_pool must follow a convolution (or the image input) with a map of at "
                   "least 2x2"));
      }
      pending_pool = true;
      continue;
    }
    LayerPlan plan;
    plan.input_channels = shape.channels;
    plan.input_height = shape.height;
    plan.input_width = shape.width;
    plan.input_size = shape.size();
    MapShape in = shape;
    if (pending_pool) {
      plan.pool_input = true;
      in = MapShape{shape.channels, shape.height / 2, shape.width / 2};
      pending_pool = false;
    }
    if (layer.has_conv2d()) {
      const v1::Conv2dLayer& conv = layer.conv2d();
      if (!spatial) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ".conv2d needs an image input: set model.input_height, input_width and "
                   "input_channels"));
      }
      if (conv.filters() <= 0 || conv.filters() > kMaxUnits) {
        return Invalid(field + ".conv2d.filters", "in [1, 65536]", conv.filters());
      }
      const int stride = conv.stride() == 0 ? 1 : conv.stride();
      if (stride < 0 || stride > 64) return Invalid(field + ".conv2d.stride", "in [1, 64]", stride);
      plan.conv = true;
      plan.geometry = Conv2dGeometry{in.channels, in.height, in.width, conv.kernel_size(),
                                     stride,
                                     conv.padding() == v1::SAME ? Padding::kSame : Padding::kValid,
                                     conv.filters()};
      const int reach = conv.padding() == v1::SAME ? in.height + conv.kernel_size() - 1 : in.height;
      const int reach_w = conv.padding() == v1::SAME ? in.width + conv.kernel_size() - 1 : in.width;
      if (conv.kernel_size() <= 0 || conv.kernel_size() > std::min(reach, reach_w)) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ".conv2d.kernel_size must be in [1, ", std::min(reach, reach_w),
            "] for its ", in.height, "x", in.width, " input, got ", conv.kernel_size()));
      }
      plan.weight_rows = conv.filters();
      plan.weight_cols = plan.geometry.patch_size();
      shape = MapShape{conv.filters(), plan.geometry.out_height(), plan.geometry.out_width()};
    } else if (layer.has_dense()) {
      const int units = layer.dense().units();
      if (units <= 0 || units > kMaxUnits) {
        return Invalid(field + ".dense.units", "in [1, 65536]", units);
      }
      plan.weight_rows = units;
      plan.weight_cols = in.size();
      shape = MapShape{units, 1, 1};
      spatial = false;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " must be a dense, conv2d or avg_pool layer, got an unset layer"));
    }
    plan.output_size = shape.size();
    plans.push_back(plan);
  }
  if (pending_pool) {
    return absl::InvalidArgumentError(
        "model.layers: an avg_pool layer must be followed by a conv2d or dense layer");
  }
  if (!spec.layers(spec.layers_size() - 1).has_dense()) {
    return absl::InvalidArgumentError(
        "model.layers: the last layer (the softmax output) must be dense");
  }
  if (plans.back().output_size < 2) {
    return Invalid("model.layers[last].dense.units (the class count)", ">= 2",
                   plans.back().output_size);
  }
  return plans;
}

}  // namespace fln
