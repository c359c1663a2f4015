#include "server/holdout.h"

#include <cmath>

namespace fln {

int HoldoutCount(int num_samples, float fraction) {
  return static_cast<int>(std::floor(static_cast<double>(num_samples) * fraction));
}

void SplitHoldout(const Dataset& all, float fraction, Dataset* train, Dataset* test) {
  const int n = all.num_samples();
  const int held = HoldoutCount(n, fraction);
  const int kept = n - held;
  for (Dataset* part : {train, test}) {
    part->num_classes = all.num_classes;
    part->height = all.height;
    part->width = all.width;
    part->channels = all.channels;
  }
  train->features = all.features.leftCols(kept);
  train->labels.assign(all.labels.begin(), all.labels.begin() + kept);
  test->features = all.features.rightCols(held);
  test->labels.assign(all.labels.begin() + kept, all.labels.end());
}

}  // namespace fln
