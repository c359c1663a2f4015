// File: teacher_dataset.h
//
// Synthetic classification data labelled by a random "teacher" ReLU network,
// so a student network of enough width can reach near-perfect accuracy.
#ifndef FLN_TESTS_TEACHER_DATASET_H_
#define FLN_TESTS_TEACHER_DATASET_H_

#include <cstdint>
#include <vector>

#include "core/dataset.h"

namespace fln {

struct TeacherData {
  Dataset train;
  Dataset test;
};

// Inputs uniform in [0, 1)^features; labels = argmax of a seeded teacher
// features -> hidden -> classes ReLU network (biases centred so classes are
// balanced-ish).
TeacherData MakeTeacherData(int features, int hidden, int classes, int train_samples,
                            int test_samples, uint64_t seed);

}  // namespace fln

#endif  // FLN_TESTS_TEACHER_DATASET_H_
