#include "core/validation.h"

#include "gtest/gtest.h"

namespace fln {
namespace {

v1::ModelSpec Mlp() {
  v1::ModelSpec spec;
  spec.set_input_size(784);
  spec.add_layers()->mutable_dense()->set_units(300);
  spec.add_layers()->mutable_dense()->set_units(10);
  return spec;
}

v1::Schedule Fln() {
  v1::Schedule schedule;
  schedule.set_method(v1::FLN);
  schedule.set_epochs(1);
  schedule.set_batch_size(500);
  return WithDefaults(schedule, 1);
}

void ExpectInvalid(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find(field), std::string::npos) << status;
}

TEST(ValidateModelSpecTest, AcceptsAnMlp) { EXPECT_TRUE(ValidateModelSpec(Mlp()).ok()); }

TEST(ValidateModelSpecTest, RejectsMalformedSpecs) {
  v1::ModelSpec spec = Mlp();
  spec.set_input_size(0);
  ExpectInvalid(ValidateModelSpec(spec), "model.input_size");
  spec = Mlp();
  spec.mutable_layers(0)->mutable_dense()->set_units(-3);
  ExpectInvalid(ValidateModelSpec(spec), "model.layers[0].dense.units");
  spec = Mlp();
  spec.mutable_layers(1)->clear_kind();
  ExpectInvalid(ValidateModelSpec(spec), "model.layers[1]");
  spec = Mlp();
  spec.mutable_layers(1)->mutable_dense()->set_units(1);
  ExpectInvalid(ValidateModelSpec(spec), "class count");
  spec = Mlp();
  spec.clear_layers();
  ExpectInvalid(ValidateModelSpec(spec), "model.layers");
  spec = Mlp();
  for (int i = 0; i < 10; ++i) spec.add_layers()->mutable_dense()->set_units(65536);
  ExpectInvalid(ValidateModelSpec(spec), "parameters");
}

// The authors' MLP settings in F's units: lambda 2 on B (their lmbda 1 on
// 2B), c_L 10, and their proximal weights 10 and 100 times w_l (1 and 10).
TEST(WithDefaultsTest, FillsTheAuthorsSettingsInFsUnits) {
  const v1::Schedule s = Fln();
  EXPECT_EQ(s.fln().alternations(), 1);
  ASSERT_EQ(s.fln().lambda_size(), 1);
  EXPECT_EQ(s.fln().lambda(0), 2.0f);
  ASSERT_EQ(s.fln().c_size(), 1);
  EXPECT_EQ(s.fln().c(0), 10.0f);
  ASSERT_EQ(s.fln().rho_d_size(), 2);
  EXPECT_EQ(s.fln().rho_d(0), 10.0f);
  EXPECT_EQ(s.fln().rho_d(1), 1000.0f);
  EXPECT_FLOAT_EQ(s.fln().initial_bias(), 0.1f);
  EXPECT_TRUE(ValidateSchedule(s, 1).ok());
}

// Default proximal weights follow the c a schedule sets: layer l's is the
// block-unit weight (10 for W_0, 100 after) times w_l = c_1 ... c_l.
TEST(WithDefaultsTest, DefaultProximalWeightsScaleWithTheLayerWeights) {
  v1::Schedule schedule;
  schedule.set_method(v1::FLN);
  for (float c : {1.0f, 5.0f, 1.0f, 5.0f}) schedule.mutable_fln()->add_c(c);
  const v1::Schedule s = WithDefaults(schedule, 4);
  const std::vector<float> expected = {10, 100, 500, 500, 2500};
  ASSERT_EQ(s.fln().rho_d_size(), 5);
  for (int l = 0; l < 5; ++l) EXPECT_FLOAT_EQ(s.fln().rho_d(l), expected[l]) << l;
}

TEST(WithDefaultsTest, KeepsWhatIsSet) {
  v1::Schedule schedule;
  schedule.set_method(v1::FLN);
  schedule.mutable_fln()->add_lambda(-2.0f);
  schedule.mutable_fln()->set_initial_bias(0.0f);
  const v1::Schedule s = WithDefaults(schedule, 1);
  EXPECT_EQ(s.fln().lambda(0), -2.0f);
  EXPECT_EQ(s.fln().initial_bias(), 0.0f);
}

TEST(ValidateScheduleTest, RejectsBadSchedules) {
  v1::Schedule s = Fln();
  s.set_batch_size(0);
  ExpectInvalid(ValidateSchedule(s, 1), "schedule.batch_size must be > 0");
  s = Fln();
  s.set_epochs(0);
  ExpectInvalid(ValidateSchedule(s, 1), "schedule.epochs");
  s = Fln();
  s.mutable_fln()->set_lambda(0, -1.0f);
  ExpectInvalid(ValidateSchedule(s, 1), "schedule.fln.lambda[0] must be >= 0, got -1");
  s = Fln();
  s.mutable_fln()->set_c(0, 0.0f);
  ExpectInvalid(ValidateSchedule(s, 1), "schedule.fln.c[0] must be > 0");
  s = Fln();
  s.mutable_fln()->add_rho_d(1.0f);
  ExpectInvalid(ValidateSchedule(s, 1), "schedule.fln.rho_d");
  s = Fln();
  s.mutable_fln()->set_rho(0, std::numeric_limits<float>::quiet_NaN());
  ExpectInvalid(ValidateSchedule(s, 1), "finite");
  s = Fln();
  s.mutable_fln()->mutable_x_solver()->set_solver(v1::GRAM_PRECONDITIONED);
  ExpectInvalid(ValidateSchedule(s, 1), "schedule.fln.x_solver.solver");
  s = Fln();
  s.mutable_fln()->set_rho_d_growth(0.5f);
  ExpectInvalid(ValidateSchedule(s, 1),
                "schedule.fln.rho_d_growth must be 0 (constant) or in [1, 10], got 0.5");
  s = Fln();
  s.mutable_fln()->set_lambda_growth(std::numeric_limits<float>::quiet_NaN());
  ExpectInvalid(ValidateSchedule(s, 1), "schedule.fln.lambda_growth");
  s = Fln();
  s.mutable_fln()->set_lambda_growth(1.0f);
  s.mutable_fln()->set_rho_d_growth(10.0f);
  EXPECT_TRUE(ValidateSchedule(s, 1).ok()) << s.epochs();
  s.set_epochs(40);  // 10^39 would overflow float
  ExpectInvalid(ValidateSchedule(s, 1), "schedule.fln.rho_d_growth must be at most");
  s = Fln();
  s.mutable_fln()->set_w_inputs(v1::FEED_FORWARD);
  EXPECT_TRUE(ValidateSchedule(s, 1).ok());
  s.mutable_fln()->set_w_order(v1::BACKWARD);  // its inputs come from W_{l-1}'s solve
  ExpectInvalid(ValidateSchedule(s, 1),
                "schedule.fln.w_order must be FORWARD when w_inputs is FEED_FORWARD");
  s = Fln();
  s.mutable_fln()->set_w_inputs(static_cast<v1::WBlockInputs>(7));
  ExpectInvalid(ValidateSchedule(s, 1), "schedule.fln.w_inputs");
  s = Fln();
  s.set_method(v1::METHOD_UNSPECIFIED);
  ExpectInvalid(ValidateSchedule(s, 1), "schedule.method");
  s = Fln();
  s.set_method(v1::BACKPROP);
  s = WithDefaults(s, 1);
  s.mutable_backprop()->set_learning_rate(-1.0f);
  ExpectInvalid(ValidateSchedule(s, 1), "schedule.backprop.learning_rate");
}

}  // namespace
}  // namespace fln
