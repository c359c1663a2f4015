// Data-parallel training on P ranks against one process on the same global
// batches. Run by data_parallel_test.sh under `mpirun -np 2`; every rank runs
// every TEST in the same order, and every verdict is reached from data that
// all ranks share (broadcast or all-reduced), so ranks never part ways.
//
// Tolerances. A P-rank run trains on the same global batches as one process
// (same seed and order; the shards concatenate to the batch), so what changes
// is the order of float32 sums over samples: each rank sums its shard, the
// all-reduce adds the partial sums, and GEMMs over m/P instead of m columns
// may block their sums differently. Reordering a sum of m float32 terms moves
// it by at most about (m - 1) u sum|terms|, u = 2^-24 = 6e-8: 7.6e-6 relative
// for m = 128, typically sqrt(m) u = 7e-7.
// - Backprop (Adam) is a smooth function of those sums: kBackpropTolerance =
//   2e-5, about 2.5x the worst case of one reordered sum, for the 8 steps
//   here (measured: about 4e-7).
// - FLN's block solvers accept a step only if the float objective does not
//   rise (block_solver.h), per sample or neuron. Near a block's minimum f moves
//   quadratically, so a float comparison resolves the iterate only to about
//   sqrt(u) = 2.4e-4 relative: an ulp of difference can flip an acceptance and
//   move the iterate by that much. kFlnTolerance = 1e-3, about 4 sqrt(u).
//   Measured with one iteration per block (no decision to flip): 1e-7 after
//   one batch; with the default 30 X-iterations: 4e-5 after one batch and
//   1.3-1.6e-4 after the 8 batches here.
// A run without the all-reduces (each rank extrapolates from its own shard,
// ShardOnly below) must differ by more than 20x the tolerance (measured:
// 80-250x), so the tolerance is far below the effect of a missing sum.
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/status/statusor.h"
#include "core/block_test_util.h"
#include "core/block_test_util.h"
#include "core/evaluation.h"
#include "core/mpi/mpi_collective.h"
#include "core/network.h"
#include "core/tensor_proto.h"
#include "core/train.h"
#include "gtest/gtest.h"
#include "tests/teacher_dataset.h"

namespace fln {
namespace {

constexpr double kFlnTolerance = 1e-3;
constexpr double kBackpropTolerance = 2e-5;

// Each rank fits its own shard: every sum is the rank's own times P, an
// estimate of the global sum from one shard (so the data check and the batch
// size still come out right). No call crosses ranks, so ranks whose weights
// part ways cannot deadlock.
class ShardOnly final : public Collective {
 public:
  explicit ShardOnly(const Collective& real) : size_(real.size()), rank_(real.rank()) {}
  void AllReduceSum(float* data, size_t n) override { Scale(data, n); }
  void AllReduceSum(double* data, size_t n) override { Scale(data, n); }
  int size() const override { return size_; }
  int rank() const override { return rank_; }

 private:
  template <typename T>
  void Scale(T* data, size_t n) const {
    for (size_t i = 0; i < n; ++i) data[i] *= static_cast<T>(size_);
  }
  int size_, rank_;
};

std::vector<float> Flatten(const v1::Checkpoint& checkpoint) {
  Network net = Network::Create(checkpoint.spec()).value();
  EXPECT_TRUE(NetworkFromProto(checkpoint.layers(), &net).ok());
  std::vector<float> flat;
  for (const Layer& layer : net.layers()) {
    flat.insert(flat.end(), layer.weight.data(), layer.weight.data() + layer.weight.size());
    flat.insert(flat.end(), layer.bias.data(), layer.bias.data() + layer.bias.size());
  }
  return flat;
}

// max |a - b| / max |b|.
double RelativeDifference(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::abs(static_cast<double>(b[i])));
  }
  return diff / scale;
}

// Number of ranks whose weights differ in any bit from rank 0's.
int RanksDifferingFromRankZero(const std::vector<float>& mine) {
  std::vector<float> root = mine;
  MPI_Bcast(root.data(), static_cast<int>(root.size()), MPI_FLOAT, 0, MPI_COMM_WORLD);
  int differ = std::memcmp(root.data(), mine.data(), mine.size() * sizeof(float)) != 0;
  MPI_Allreduce(MPI_IN_PLACE, &differ, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  return differ;
}

v1::ModelSpec Mlp() {
  v1::ModelSpec spec;
  spec.set_input_size(12);
  spec.add_layers()->mutable_dense()->set_units(24);
  spec.add_layers()->mutable_dense()->set_units(16);
  spec.add_layers()->mutable_dense()->set_units(4);
  return spec;
}

// 512 training samples, batches of 128: 4 batches per epoch, 64 per rank
// (a multiple of the X-blocks' 32-column tile on 2 ranks).
v1::Schedule BaseSchedule(v1::Method method) {
  v1::Schedule schedule;
  schedule.set_method(method);
  schedule.set_epochs(2);
  schedule.set_batch_size(128);
  schedule.set_seed(7);
  return schedule;
}

class DataParallelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Every rank makes the same data (as each would read the same file).
    data_ = new TeacherData(MakeTeacherData(12, 10, 4, 512, 200, 5));
    conv_data_ = new TeacherData(MakeTeacherData(36, 10, 3, 512, 200, 9));
  }
  static void TearDownTestSuite() {
    delete data_;
    delete conv_data_;
  }

  // Trains on every rank with `collective` (null: alone) and returns the weights.
  static std::vector<float> TrainWith(const v1::ModelSpec& spec, const v1::Schedule& schedule,
                                      Collective* collective,
                                      std::vector<ProgressReport>* reports = nullptr) {
    const TeacherData& data = spec.input_size() == 36 ? *conv_data_ : *data_;
    TrainingHooks hooks;
    hooks.collective = collective;
    if (reports != nullptr) {
      hooks.on_progress = [reports](const ProgressReport& r) { reports->push_back(r); };
    }
    absl::StatusOr<v1::Checkpoint> result =
        Train(spec, schedule, data.train, &data.test, hooks);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? Flatten(*result) : std::vector<float>();
  }

  // The checks every method shares: identical weights on every rank, the
  // weights of one process within tolerance, a missing reduction far outside.
  void ExpectMatchesOneProcess(const v1::ModelSpec& spec, const v1::Schedule& schedule,
                               double tolerance) {
    MpiCollective collective;
    ASSERT_EQ(collective.size(), 2) << "run under mpirun -np 2";
    std::vector<ProgressReport> parallel_reports, single_reports;
    const std::vector<float> parallel = TrainWith(spec, schedule, &collective, &parallel_reports);
    const CollectiveStats stats = collective.stats();
    const std::vector<float> single = TrainWith(spec, schedule, nullptr, &single_reports);
    ShardOnly shard_only(collective);
    const std::vector<float> shard_only_weights = TrainWith(spec, schedule, &shard_only);
    ASSERT_EQ(parallel.size(), single.size());
    ASSERT_FALSE(parallel.empty());

    EXPECT_EQ(RanksDifferingFromRankZero(parallel), 0) << "ranks hold different weights";
    const double difference = RelativeDifference(parallel, single);
    const double shard_only_difference = RelativeDifference(shard_only_weights, single);
    if (collective.rank() == 0) {
      std::printf("[%s] 2 ranks vs 1: max |dW| / max |W| = %.3g (tolerance %.1g); each rank on "
                  "its own shard: %.3g; %lld all-reduce calls, %lld bytes\n",
                  ::testing::UnitTest::GetInstance()->current_test_info()->name(), difference,
                  tolerance, shard_only_difference,
                  static_cast<long long>(stats.calls), static_cast<long long>(stats.bytes));
    }
    EXPECT_LE(difference, tolerance);
    EXPECT_GT(shard_only_difference, 20 * tolerance);
    EXPECT_GT(stats.calls, 0);

    // The figures every rank reports are the global ones: exact counts give
    // identical accuracies, the losses agree to summation order.
    ASSERT_EQ(parallel_reports.size(), single_reports.size());
    for (size_t i = 0; i < single_reports.size(); ++i) {
      const ProgressReport& p = parallel_reports[i];
      const ProgressReport& s = single_reports[i];
      EXPECT_NEAR(p.train_accuracy, s.train_accuracy, 1.0 / data_->train.num_samples());
      EXPECT_NEAR(p.test_accuracy, s.test_accuracy, 1.0 / data_->test.num_samples());
      EXPECT_NEAR(p.train_loss, s.train_loss, tolerance * std::abs(s.train_loss));
      EXPECT_NEAR(p.batch_loss, s.batch_loss, tolerance * std::abs(s.batch_loss));
      EXPECT_EQ(p.has_relaxed_objective, s.has_relaxed_objective);
      if (s.has_relaxed_objective) {
        EXPECT_NEAR(p.relaxed_end.total, s.relaxed_end.total,
                    tolerance * std::abs(s.relaxed_end.total));
      }
    }
  }

  static TeacherData* data_;       // for Mlp()
  static TeacherData* conv_data_;  // 6x6 images for SmallConvNet
};
TeacherData* DataParallelTest::data_ = nullptr;
TeacherData* DataParallelTest::conv_data_ = nullptr;

TEST_F(DataParallelTest, FlnOnTwoRanksGivesTheWeightsOfOneProcess) {
  ExpectMatchesOneProcess(Mlp(), BaseSchedule(v1::FLN), kFlnTolerance);
}

TEST_F(DataParallelTest, FlnWithFeedForwardWInputsGivesTheWeightsOfOneProcess) {
  v1::Schedule schedule = BaseSchedule(v1::FLN);
  schedule.mutable_fln()->set_w_inputs(v1::FEED_FORWARD);
  schedule.mutable_fln()->set_alternations(2);
  ExpectMatchesOneProcess(Mlp(), schedule, kFlnTolerance);
}

TEST_F(DataParallelTest, AdamOnTwoRanksGivesTheWeightsOfOneProcess) {
  v1::Schedule schedule = BaseSchedule(v1::BACKPROP);
  schedule.mutable_backprop()->set_learning_rate(1e-2f);
  schedule.mutable_backprop()->set_weight_decay(1e-3f);
  ExpectMatchesOneProcess(Mlp(), schedule, kBackpropTolerance);
}

// A convolution's W-block sums over samples and positions (im2col windows);
// pooling is folded into the next layer.
TEST_F(DataParallelTest, ConvFlnOnTwoRanksGivesTheWeightsOfOneProcess) {
  ExpectMatchesOneProcess(SmallConvNet(/*pool_before_dense=*/true), BaseSchedule(v1::FLN),
                          kFlnTolerance);
}

TEST_F(DataParallelTest, ConvAdamOnTwoRanksGivesTheWeightsOfOneProcess) {
  v1::Schedule schedule = BaseSchedule(v1::BACKPROP);
  schedule.mutable_backprop()->set_learning_rate(1e-2f);
  ExpectMatchesOneProcess(SmallConvNet(/*pool_before_dense=*/true), schedule,
                          kBackpropTolerance);
}

TEST_F(DataParallelTest, ShardedEvaluationCountsEverySampleOnce) {
  MpiCollective collective;
  Network net = Network::Create(Mlp()).value();
  Rng rng(3);
  net.InitGlorotUniform(0.1f, &rng);
  // 201 samples: shards of 101 and 100.
  const Dataset test = TakeFirst(data_->train, 201);
  const Evaluation whole = Evaluate(net, test.features, test.labels);
  const Evaluation sharded = EvaluateSharded(net, test.features, test.labels, &collective);
  EXPECT_EQ(sharded.samples, 201);
  EXPECT_EQ(sharded.confusion, whole.confusion);
  EXPECT_EQ(sharded.accuracy, whole.accuracy);
  EXPECT_NEAR(sharded.mean_loss, whole.mean_loss, 1e-6 * whole.mean_loss);
}

TEST_F(DataParallelTest, DifferentDataOnTheRanksIsRefused) {
  MpiCollective collective;
  Dataset train = data_->train;
  if (collective.rank() == 1) train.labels[0] = (train.labels[0] + 1) % 4;
  TrainingHooks hooks;
  hooks.collective = &collective;
  absl::StatusOr<v1::Checkpoint> result =
      Train(Mlp(), BaseSchedule(v1::FLN), train, nullptr, hooks);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition) << result.status();
}

TEST_F(DataParallelTest, BatchesSmallerThanTheRanksAreRefused) {
  MpiCollective collective;
  v1::Schedule schedule = BaseSchedule(v1::FLN);
  schedule.set_limit_train(129);  // the last batch holds 1 sample
  TrainingHooks hooks;
  hooks.collective = &collective;
  absl::StatusOr<v1::Checkpoint> result = Train(Mlp(), schedule, data_->train, nullptr, hooks);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
}

}  // namespace
}  // namespace fln

int main(int argc, char** argv) {
  absl::StatusOr<std::unique_ptr<fln::MpiRuntime>> mpi = fln::MpiRuntime::Init(&argc, &argv);
  if (!mpi.ok()) {
    std::fprintf(stderr, "%s\n", mpi.status().ToString().c_str());
    return 2;
  }
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  // Bazel's per-test files (XML report, premature-exit marker) belong to one
  // process: rank 0.
  if (rank != 0) {
    unsetenv("XML_OUTPUT_FILE");
    unsetenv("TEST_PREMATURE_EXIT_FILE");
    unsetenv("GTEST_OUTPUT");
  }
  ::testing::InitGoogleTest(&argc, argv);
  // One report: rank 0 prints, the others stay quiet unless they fail.
  if (rank != 0) {
    ::testing::TestEventListeners& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int failed = RUN_ALL_TESTS();
  // Every rank's verdict counts.
  int any_failed = failed != 0;
  MPI_Allreduce(MPI_IN_PLACE, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any_failed;
}
