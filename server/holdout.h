// File: holdout.h
//
// A job's holdout_fraction: the last floor(n * f) training samples become its
// test set. Shared by submit validation, the in-process trainer and the
// multi-process worker, so all of them cut the same samples.
#ifndef FLN_SERVER_HOLDOUT_H_
#define FLN_SERVER_HOLDOUT_H_

#include "core/dataset.h"

namespace fln {

// Number of samples a holdout_fraction keeps for testing: floor(n * f).
int HoldoutCount(int num_samples, float fraction);

// The first n - HoldoutCount(n, f) samples into `train`, the rest into
// `test`. REQUIRES: 0 < HoldoutCount < n.
void SplitHoldout(const Dataset& all, float fraction, Dataset* train, Dataset* test);

}  // namespace fln

#endif  // FLN_SERVER_HOLDOUT_H_
