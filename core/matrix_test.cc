// ReshapeInPlace relies on Eigen keeping the buffer of a same-size resize;
// the W-blocks of convolutions depend on it to view batches per position.
#include "core/matrix.h"

#include "gtest/gtest.h"

namespace fln {
namespace {

TEST(ReshapeInPlaceTest, KeepsTheStorageAndTheColumnMajorValues) {
  Matrix m(6, 4);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(i);
  const float* storage = m.data();
  ReshapeInPlace(2, 12, &m);
  EXPECT_EQ(m.data(), storage);
  ASSERT_EQ(m.rows(), 2);
  ASSERT_EQ(m.cols(), 12);
  for (Eigen::Index i = 0; i < m.size(); ++i) EXPECT_EQ(m.data()[i], static_cast<float>(i));
  EXPECT_EQ(m(1, 5), 11.0f);  // column-major: index 5 * 2 + 1
  ReshapeInPlace(6, 4, &m);
  EXPECT_EQ(m.data(), storage);
  EXPECT_EQ(m(5, 3), 23.0f);
}

}  // namespace
}  // namespace fln
