#include "core/memory_estimate.h"

#include "core/model_shorthand.h"
#include "gtest/gtest.h"

namespace fln {
namespace {

std::vector<LayerPlan> Plan(const std::string& shorthand) {
  return PlanLayers(ParseModelShorthand(shorthand, 784, 10).value()).value();
}

v1::Schedule Schedule(v1::Method method, int batch) {
  v1::Schedule schedule;
  schedule.set_method(method);
  schedule.set_batch_size(batch);
  return schedule;
}

constexpr int64_t kMiB = int64_t{1} << 20;

TEST(MemoryEstimateTest, CountsTheDatasetsRawAndScaled) {
  const TrainingMemoryEstimate estimate =
      EstimateTrainingMemory(Plan("mlp:300"), Schedule(v1::FLN, 500), 60000, 10000);
  EXPECT_EQ(estimate.data_bytes, 2 * int64_t{70000} * 784 * 4);
  // Fashion-MNIST's MLP: the data dominate, the rest is tens of MB.
  EXPECT_GT(estimate.total(), 430 * kMiB);
  EXPECT_LT(estimate.total(), 600 * kMiB);
}

// The job that took a server down: 784-65536-10 with one 60,000-sample batch
// lifts a 65536 x 60000 float matrix (15.7 GB) several times over.
TEST(MemoryEstimateTest, AHugeLiftedLayerNeedsHundredsOfGigabytes) {
  const TrainingMemoryEstimate estimate =
      EstimateTrainingMemory(Plan("mlp:65536"), Schedule(v1::FLN, 60000), 60000, 0);
  EXPECT_GT(estimate.activation_bytes, 8 * int64_t{65536} * 60000 * 4);
}

TEST(MemoryEstimateTest, GrowsWithTheBatchAndCountsConvolutionOutputs) {
  const std::vector<LayerPlan> lenet = Plan("lenet5");
  const int64_t small = EstimateTrainingMemory(lenet, Schedule(v1::FLN, 100), 0, 0).total();
  const int64_t large = EstimateTrainingMemory(lenet, Schedule(v1::FLN, 1000), 0, 0).total();
  EXPECT_GT(large, 4 * small);  // 10x the batch; weights and evaluation are fixed
  // conv1's W-block solver alone: 7 buffers of its 6 x 28 x 28 outputs per
  // sample.
  EXPECT_GT(large, int64_t{7} * 6 * 784 * 1000 * 4);
  EXPECT_GT(EstimateTrainingMemory(lenet, Schedule(v1::BACKPROP, 1000), 0, 0).total(), 0);
}

// Backprop keeps one gradient per 64-sample slice: a large model with a
// large batch needs a copy of its weights per slice.
TEST(MemoryEstimateTest, BackpropCountsAGradientPerSlice) {
  const std::vector<LayerPlan> wide = Plan("mlp:4096");  // 3.3M parameters
  const int64_t one_slice =
      EstimateTrainingMemory(wide, Schedule(v1::BACKPROP, 64), 0, 0).activation_bytes;
  const int64_t sixteen =
      EstimateTrainingMemory(wide, Schedule(v1::BACKPROP, 1024), 0, 0).activation_bytes;
  EXPECT_GT(sixteen - one_slice, 15 * ParameterCount(wide) * 4);
}

}  // namespace
}  // namespace fln
