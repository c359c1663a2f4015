// File: validation.h
//
// Checks of user-supplied model specs and schedules, and the defaults that
// make a short schedule complete. Every error is INVALID_ARGUMENT with a
// message naming the field and the offending value, e.g.
// "schedule.batch_size must be > 0, got 0".
#ifndef FLN_CORE_VALIDATION_H_
#define FLN_CORE_VALIDATION_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/model.pb.h"

namespace fln {

// Upper bounds that keep a request from exhausting the server's memory.
inline constexpr int kMaxLayers = 64;
inline constexpr int64_t kMaxParameters = int64_t{1} << 28;
inline constexpr int kMaxEpochs = 100000;
inline constexpr int kMaxBatchSize = 1 << 20;

// OK iff PlanLayers (layer_plan.h) accepts the spec and it fits the bounds
// above.
absl::Status ValidateModelSpec(const v1::ModelSpec& spec);

// Fills unset (zero / empty) fields with defaults: FLN per the authors'
// MLP settings in F's units (docs/method.md, "The authors' settings":
// lambda 2, c 10 on the last X-block and 1 elsewhere, rho_d_l = w_l times
// 10 on the first layer and 100 on the others, e.g. 10 and 1000 for one
// hidden layer; rho 0, bias 0.1, one alternation), solved by 30 FISTA
// iterations per X-block and one Gram-preconditioned step per W-block (the fastest and most accurate caps
// measured, bench/README.md); Adam lr 1e-3 for backprop. Fields that are set are
// kept as they are, including invalid values (ValidateSchedule reports them).
v1::Schedule WithDefaults(const v1::Schedule& schedule, int num_hidden);

// Validates a schedule (after WithDefaults) for a network with `num_hidden`
// hidden layers: per-layer lists have 1 or exactly the right number of
// entries, lambda and rho >= 0, c > 0, every value finite, epochs and
// batch_size in range, solver iteration caps > 0.
absl::Status ValidateSchedule(const v1::Schedule& schedule, int num_hidden);

}  // namespace fln

#endif  // FLN_CORE_VALIDATION_H_
