#include "core/normalization.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"

namespace fln {
namespace {

// Returns INVALID_ARGUMENT naming the first entry (row, col) of `x` for which
// `f(row, value)` is not finite, OK if there is none. `what` names the value
// in the message ("feature", "normalized feature").
template <typename F>
absl::Status CheckAllFinite(const Matrix& x, F f, absl::string_view what) {
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    const float* column = x.data() + j * x.rows();
    bool finite = true;
    for (Eigen::Index i = 0; i < x.rows(); ++i) finite &= std::isfinite(f(i, column[i]));
    if (finite) continue;
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      const float value = f(i, column[i]);
      if (!std::isfinite(value)) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, " ", i, " of sample ", j, " is ",
                         std::isnan(value) ? "NaN" : "infinite", " (input ",
                         column[i], ")"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckInputFinite(const Matrix& x) {
  return CheckAllFinite(x, [](Eigen::Index, float v) { return v; }, "feature");
}

}  // namespace

absl::StatusOr<v1::Normalization> FitNormalization(const Matrix& features,
                                                   v1::FeatureScaling scaling) {
  if (!v1::FeatureScaling_IsValid(scaling)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown feature scaling ", static_cast<int>(scaling)));
  }
  v1::Normalization norm;
  if (scaling == v1::NONE) {
    norm.set_scaling(v1::NONE);
    return norm;
  }
  if (features.cols() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot fit ", v1::FeatureScaling_Name(scaling), " scaling on 0 samples"));
  }
  if (absl::Status status = CheckInputFinite(features); !status.ok()) return status;

  if (scaling == v1::UNIT_RANGE || scaling == v1::SCALING_UNSPECIFIED) {
    norm.set_scaling(v1::UNIT_RANGE);
    const float max_value = features.size() == 0 ? 0.0f : features.maxCoeff();
    norm.set_scale(max_value > 0 ? max_value : 1.0f);
    return norm;
  }

  // STANDARDIZE: two passes over columns (contiguous in memory), in double.
  const Eigen::Index rows = features.rows();
  const Eigen::Index cols = features.cols();
  std::vector<double> sum(rows, 0.0);
  std::vector<float> min_value(features.col(0).data(), features.col(0).data() + rows);
  std::vector<float> max_value = min_value;
  for (Eigen::Index j = 0; j < cols; ++j) {
    const float* column = features.data() + j * rows;
    for (Eigen::Index i = 0; i < rows; ++i) {
      sum[i] += column[i];
      min_value[i] = std::min(min_value[i], column[i]);
      max_value[i] = std::max(max_value[i], column[i]);
    }
  }
  std::vector<double> mean(rows);
  for (Eigen::Index i = 0; i < rows; ++i) mean[i] = sum[i] / static_cast<double>(cols);
  std::vector<double> sum_squares(rows, 0.0);
  for (Eigen::Index j = 0; j < cols; ++j) {
    const float* column = features.data() + j * rows;
    for (Eigen::Index i = 0; i < rows; ++i) {
      const double d = column[i] - mean[i];
      sum_squares[i] += d * d;
    }
  }
  norm.set_scaling(v1::STANDARDIZE);
  norm.mutable_mean()->Reserve(static_cast<int>(rows));
  norm.mutable_stddev()->Reserve(static_cast<int>(rows));
  for (Eigen::Index i = 0; i < rows; ++i) {
    // Test constancy exactly: a constant feature's computed variance is only
    // rounding noise, and dividing by its square root would blow noise up.
    const double stddev = min_value[i] == max_value[i]
                              ? 1.0
                              : std::sqrt(sum_squares[i] / static_cast<double>(cols));
    norm.add_mean(static_cast<float>(mean[i]));
    norm.add_stddev(static_cast<float>(stddev));
  }
  return norm;
}

absl::Status ApplyNormalization(const v1::Normalization& norm, Matrix* features) {
  if (features == nullptr) {
    return absl::InvalidArgumentError("features must not be null");
  }
  switch (norm.scaling()) {
    case v1::NONE:
      return CheckInputFinite(*features);

    case v1::SCALING_UNSPECIFIED:
    case v1::UNIT_RANGE: {
      const float scale = norm.scale();
      if (!std::isfinite(scale) || scale <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("normalization.scale must be finite and > 0, got ", scale));
      }
      if (absl::Status status = CheckAllFinite(
              *features, [scale](Eigen::Index, float v) { return v / scale; },
              "normalized feature");
          !status.ok()) {
        return status;
      }
      *features /= scale;
      return absl::OkStatus();
    }

    case v1::STANDARDIZE: {
      const Eigen::Index rows = features->rows();
      if (norm.mean_size() != rows || norm.stddev_size() != rows) {
        return absl::InvalidArgumentError(absl::StrCat(
            "normalization has ", norm.mean_size(), " means and ", norm.stddev_size(),
            " stddevs, but the features have ", rows, " rows"));
      }
      for (int i = 0; i < rows; ++i) {
        if (!std::isfinite(norm.mean(i))) {
          return absl::InvalidArgumentError(
              absl::StrCat("normalization.mean[", i, "] is not finite: ", norm.mean(i)));
        }
        if (!std::isfinite(norm.stddev(i)) || norm.stddev(i) <= 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              "normalization.stddev[", i, "] must be finite and > 0, got ",
              norm.stddev(i)));
        }
      }
      const float* mean = norm.mean().data();
      const float* stddev = norm.stddev().data();
      if (absl::Status status = CheckAllFinite(
              *features,
              [mean, stddev](Eigen::Index i, float v) { return (v - mean[i]) / stddev[i]; },
              "normalized feature");
          !status.ok()) {
        return status;
      }
      const Eigen::Map<const Vector> mean_vector(mean, rows);
      const Eigen::Map<const Vector> stddev_vector(stddev, rows);
      features->array().colwise() -= mean_vector.array();
      features->array().colwise() /= stddev_vector.array();
      return absl::OkStatus();
    }

    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown normalization.scaling ", static_cast<int>(norm.scaling())));
  }
}

}  // namespace fln
