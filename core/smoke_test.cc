#include "gtest/gtest.h"
#include "Eigen/Dense"
#include "proto/model.pb.h"
#include "core/status_macros.h"
#include <omp.h>
absl::StatusOr<int> F(int x) { if (x < 0) return absl::InvalidArgumentError("neg"); return x; }
absl::Status G(int x) { FLN_ASSIGN_OR_RETURN(int y, F(x)); (void)y; return absl::OkStatus(); }
TEST(Smoke, Works) {
  fln::v1::ModelSpec spec; spec.set_input_size(3);
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(300, 300), b = a * a;
  EXPECT_GT(omp_get_max_threads(), 0);
  EXPECT_FALSE(G(-1).ok());
  EXPECT_EQ(spec.input_size(), 3);
}
