#include "core/backprop_trainer.h"

#include <cmath>

#include "core/one_hot.h"
#include "core/rng.h"
#include "core/softmax.h"
#include "core/validation.h"
#include "gtest/gtest.h"
#include "tests/teacher_dataset.h"

namespace fln {
namespace {

v1::BackpropOptions Adam() {
  v1::Schedule schedule;
  schedule.set_method(v1::BACKPROP);
  return WithDefaults(schedule, 1).backprop();
}

double MeanLoss(const Network& net, const Matrix& x, const Matrix& one_hot) {
  return CrossEntropyPerColumn(net.Logits(x), one_hot).cast<double>().mean();
}

TEST(BackpropTrainerTest, GradientsMatchFiniteDifferences) {
  const TeacherData data = MakeTeacherData(5, 8, 3, 16, 1, 3);
  v1::ModelSpec spec;
  spec.set_input_size(5);
  spec.add_layers()->mutable_dense()->set_units(6);
  spec.add_layers()->mutable_dense()->set_units(3);
  Network net = Network::Create(spec).value();
  Rng rng(9);
  net.InitGlorotUniform(0.1f, &rng);
  Matrix one_hot;
  OneHot(data.train.labels, 3, &one_hot);
  BackpropTrainer trainer(&net, Adam());
  trainer.ComputeGradients(data.train.features, one_hot);
  const float h = 1e-2f;
  for (int l = 0; l < net.num_layers(); ++l) {
    Matrix& w = net.mutable_layer(l).weight;
    for (Eigen::Index i = 0; i < w.size(); ++i) {
      const float saved = w.data()[i];
      w.data()[i] = saved + h;
      const double plus = MeanLoss(net, data.train.features, one_hot);
      w.data()[i] = saved - h;
      const double minus = MeanLoss(net, data.train.features, one_hot);
      w.data()[i] = saved;
      EXPECT_NEAR(trainer.last_gradients()[l].weight.data()[i], (plus - minus) / (2 * h), 2e-3)
          << "layer " << l << " weight " << i;
    }
  }
}

// Another participant that holds the whole batch: it adds its loss sum (3)
// and sample count (4) to every scalar all-reduce and nothing to gradients.
class OtherRankHasTheSamples final : public Collective {
 public:
  void AllReduceSum(float*, size_t) override {}
  void AllReduceSum(double* data, size_t n) override {
    if (n == 2) {
      data[0] += 3.0;
      data[1] += 4.0;
    }
  }
  int size() const override { return 2; }
};

TEST(BackpropTrainerTest, AnEmptyShardContributesNothing) {
  v1::ModelSpec spec;
  spec.set_input_size(5);
  spec.add_layers()->mutable_dense()->set_units(3);
  Network net = Network::Create(spec).value();
  Rng rng(2);
  net.InitGlorotUniform(0.1f, &rng);
  OtherRankHasTheSamples collective;
  BackpropTrainer trainer(&net, Adam(), &collective);
  EXPECT_DOUBLE_EQ(trainer.ComputeGradients(Matrix(5, 0), Matrix(3, 0)), 0.75);
  EXPECT_EQ(trainer.last_gradients()[0].weight, Matrix::Zero(3, 5));
  EXPECT_EQ(trainer.last_gradients()[0].bias, Vector::Zero(3));
}

TEST(BackpropTrainerTest, AdamLearnsTheTeacher) {
  const TeacherData data = MakeTeacherData(10, 16, 3, 2000, 500, 4);
  v1::ModelSpec spec;
  spec.set_input_size(10);
  spec.add_layers()->mutable_dense()->set_units(32);
  spec.add_layers()->mutable_dense()->set_units(3);
  Network net = Network::Create(spec).value();
  Rng rng(1);
  net.InitGlorotUniform(0.0f, &rng);
  v1::BackpropOptions options = Adam();
  options.set_learning_rate(1e-2f);
  BackpropTrainer trainer(&net, options);
  Matrix one_hot;
  OneHot(data.train.labels, 3, &one_hot);
  const double before = MeanLoss(net, data.train.features, one_hot);
  BatchStats stats;
  for (int step = 0; step < 300; ++step) {
    ASSERT_TRUE(trainer.TrainBatch(data.train.features, one_hot, &stats).ok());
  }
  EXPECT_LT(MeanLoss(net, data.train.features, one_hot), 0.5 * before);
}

TEST(BackpropTrainerTest, StateRoundTripsThroughProto) {
  v1::ModelSpec spec;
  spec.set_input_size(4);
  spec.add_layers()->mutable_dense()->set_units(3);
  Network net = Network::Create(spec).value();
  Rng rng(1);
  net.InitGlorotUniform(0.0f, &rng);
  BackpropTrainer trainer(&net, Adam());
  Matrix x = Matrix::Ones(4, 5), one_hot = Matrix::Zero(3, 5);
  one_hot.row(0).setOnes();
  BatchStats stats;
  ASSERT_TRUE(trainer.TrainBatch(x, one_hot, &stats).ok());
  v1::TrainingState state;
  trainer.SaveState(&state);
  EXPECT_EQ(state.optimizer_steps(), 1);
  BackpropTrainer restored(&net, Adam());
  EXPECT_TRUE(restored.RestoreState(state).ok());
  state.mutable_first_moment()->RemoveLast();
  EXPECT_EQ(restored.RestoreState(state).code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace fln
