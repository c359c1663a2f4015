// File: normalization.h
//
// Feature scaling fitted on training data and stored in the checkpoint
// (v1::Normalization), so that predict time applies exactly the training
// transform. Features are num_features x num_samples (one sample per column).
//
//   FLN_ASSIGN_OR_RETURN(v1::Normalization norm,
//                        FitNormalization(train.features, schedule.scaling()));
//   FLN_RETURN_IF_ERROR(ApplyNormalization(norm, &train.features));
//   FLN_RETURN_IF_ERROR(ApplyNormalization(norm, &test.features));
#ifndef FLN_CORE_NORMALIZATION_H_
#define FLN_CORE_NORMALIZATION_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/matrix.h"
#include "proto/model.pb.h"

namespace fln {

// Fits `scaling` to `features`; statistics are accumulated in double.
//   SCALING_UNSPECIFIED, UNIT_RANGE: scaling = UNIT_RANGE (the default is
//     resolved, so a checkpoint records what was done), scale = the largest
//     entry, or 1 if that is <= 0.
//   STANDARDIZE: per-feature (row) mean and population stddev; a constant
//     feature gets stddev 1 (so it maps to 0 instead of dividing by zero).
//   NONE: the identity (no statistics).
// Returns INVALID_ARGUMENT for an unknown `scaling` value, for features with
// a NaN or infinite entry, or (except for NONE) for zero samples.
absl::StatusOr<v1::Normalization> FitNormalization(const Matrix& features,
                                                   v1::FeatureScaling scaling);

// Applies `norm` in place: UNIT_RANGE (or SCALING_UNSPECIFIED) x / scale;
// STANDARDIZE (x - mean[i]) / stddev[i] for feature i; NONE nothing.
// All or nothing: on error `*features` is unchanged.
// Returns INVALID_ARGUMENT if `features` is null; the scaling is unknown;
// scale is not finite and > 0; mean/stddev sizes differ from the number of
// features (rows); a mean is not finite or a stddev is not finite and > 0;
// or any result (hence also any input) is NaN or infinite.
absl::Status ApplyNormalization(const v1::Normalization& norm, Matrix* features);

}  // namespace fln

#endif  // FLN_CORE_NORMALIZATION_H_
