#include "core/validation.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/fln_hyperparameters.h"
#include "core/layer_plan.h"
#include "core/status_macros.h"

namespace fln {
namespace {

absl::Status Invalid(const std::string& field, const std::string& requirement,
                     const std::string& got) {
  return absl::InvalidArgumentError(absl::StrCat(field, " must be ", requirement, ", got ", got));
}

// A per-layer list holds one value for every layer or exactly `expected`.
absl::Status CheckPerLayer(const google::protobuf::RepeatedField<float>& values,
                           const std::string& field, int expected, bool allow_zero) {
  if (values.size() != 1 && values.size() != expected) {
    return Invalid(field, absl::StrCat("a list of 1 or ", expected, " values"),
                   absl::StrCat(values.size(), " values"));
  }
  for (int i = 0; i < values.size(); ++i) {
    const float v = values[i];
    const std::string name = absl::StrCat(field, "[", i, "]");
    if (!std::isfinite(v)) return Invalid(name, "finite", absl::StrCat(v));
    if (allow_zero ? v < 0 : v <= 0) {
      return Invalid(name, allow_zero ? ">= 0" : "> 0", absl::StrCat(v));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSolver(const v1::SolverOptions& solver, const std::string& field,
                         bool is_w_block) {
  if (solver.max_iterations() <= 0 || solver.max_iterations() > 100000) {
    return Invalid(field + ".max_iterations", "in [1, 100000]",
                   absl::StrCat(solver.max_iterations()));
  }
  if (!std::isfinite(solver.tolerance()) || solver.tolerance() < 0) {
    return Invalid(field + ".tolerance", ">= 0", absl::StrCat(solver.tolerance()));
  }
  if (!is_w_block && solver.solver() == v1::GRAM_PRECONDITIONED) {
    return Invalid(field + ".solver", "FISTA or PROJECTED_GRADIENT for X-blocks",
                   "GRAM_PRECONDITIONED");
  }
  if (!v1::BlockSolver_IsValid(solver.solver())) {
    return Invalid(field + ".solver", "a known solver", absl::StrCat(solver.solver()));
  }
  return absl::OkStatus();
}

// The largest factor a growth reaches in `epochs` epochs must keep every
// weight far from float overflow.
constexpr double kMaxGrowthFactor = 1e12;

// 0 (constant) or a factor in [1, 10] that stays below kMaxGrowthFactor
// over `epochs`. Written so that NaN fails too.
absl::Status CheckGrowth(float growth, const std::string& field, int epochs) {
  if (!(growth == 0.0f || (growth >= 1.0f && growth <= 10.0f))) {
    return Invalid(field, "0 (constant) or in [1, 10]", absl::StrCat(growth));
  }
  if (growth > 1.0f && std::pow(static_cast<double>(growth), epochs - 1) > kMaxGrowthFactor) {
    return Invalid(field,
                   absl::StrCat("at most ", kMaxGrowthFactor, " after ", epochs,
                                " epochs (growth^(epochs-1))"),
                   absl::StrCat(growth));
  }
  return absl::OkStatus();
}

absl::Status ValidateFln(const v1::FlnOptions& fln, int num_hidden, int epochs) {
  if (fln.alternations() <= 0 || fln.alternations() > 1000) {
    return Invalid("schedule.fln.alternations", "in [1, 1000]", absl::StrCat(fln.alternations()));
  }
  if (num_hidden > 0) {
    FLN_RETURN_IF_ERROR(CheckPerLayer(fln.lambda(), "schedule.fln.lambda", num_hidden, true));
    FLN_RETURN_IF_ERROR(CheckPerLayer(fln.c(), "schedule.fln.c", num_hidden, false));
  }
  FLN_RETURN_IF_ERROR(CheckPerLayer(fln.rho_d(), "schedule.fln.rho_d", num_hidden + 1, true));
  FLN_RETURN_IF_ERROR(CheckPerLayer(fln.rho(), "schedule.fln.rho", num_hidden + 1, true));
  FLN_RETURN_IF_ERROR(CheckSolver(fln.x_solver(), "schedule.fln.x_solver", false));
  FLN_RETURN_IF_ERROR(CheckSolver(fln.w_solver(), "schedule.fln.w_solver", true));
  if (!std::isfinite(fln.initial_bias())) {
    return Invalid("schedule.fln.initial_bias", "finite", absl::StrCat(fln.initial_bias()));
  }
  FLN_RETURN_IF_ERROR(CheckGrowth(fln.lambda_growth(), "schedule.fln.lambda_growth", epochs));
  FLN_RETURN_IF_ERROR(CheckGrowth(fln.rho_d_growth(), "schedule.fln.rho_d_growth", epochs));
  if (!v1::WBlockInputs_IsValid(fln.w_inputs())) {
    return Invalid("schedule.fln.w_inputs", "LIFTED or FEED_FORWARD",
                   absl::StrCat(fln.w_inputs()));
  }
  // Feed-forward inputs of W_l come from the W_{l-1} this sweep just solved.
  if (fln.w_inputs() == v1::FEED_FORWARD && fln.w_order() == v1::BACKWARD) {
    return Invalid("schedule.fln.w_order", "FORWARD when w_inputs is FEED_FORWARD", "BACKWARD");
  }
  return absl::OkStatus();
}

absl::Status ValidateBackprop(const v1::BackpropOptions& bp) {
  if (!(bp.learning_rate() > 0) || !std::isfinite(bp.learning_rate())) {
    return Invalid("schedule.backprop.learning_rate", "> 0", absl::StrCat(bp.learning_rate()));
  }
  if (!(bp.momentum() >= 0 && bp.momentum() < 1)) {
    return Invalid("schedule.backprop.momentum", "in [0, 1)", absl::StrCat(bp.momentum()));
  }
  if (!(bp.beta1() >= 0 && bp.beta1() < 1)) {
    return Invalid("schedule.backprop.beta1", "in [0, 1)", absl::StrCat(bp.beta1()));
  }
  if (!(bp.beta2() >= 0 && bp.beta2() < 1)) {
    return Invalid("schedule.backprop.beta2", "in [0, 1)", absl::StrCat(bp.beta2()));
  }
  if (!(bp.epsilon() > 0) || !std::isfinite(bp.epsilon())) {
    return Invalid("schedule.backprop.epsilon", "> 0", absl::StrCat(bp.epsilon()));
  }
  if (!(bp.weight_decay() >= 0) || !std::isfinite(bp.weight_decay())) {
    return Invalid("schedule.backprop.weight_decay", ">= 0", absl::StrCat(bp.weight_decay()));
  }
  return absl::OkStatus();
}

void DefaultSolver(v1::SolverOptions* solver, v1::BlockSolver default_solver,
                   int default_iterations) {
  if (solver->solver() == v1::SOLVER_UNSPECIFIED) solver->set_solver(default_solver);
  if (solver->max_iterations() == 0) solver->set_max_iterations(default_iterations);
}

}  // namespace

absl::Status ValidateModelSpec(const v1::ModelSpec& spec) {
  if (spec.layers_size() > kMaxLayers) {
    return Invalid("model.layers", absl::StrCat("a list of 1 to ", kMaxLayers, " layers"),
                   absl::StrCat(spec.layers_size(), " layers"));
  }
  FLN_ASSIGN_OR_RETURN(const std::vector<LayerPlan> plans, PlanLayers(spec));
  const int64_t parameters = ParameterCount(plans);
  if (parameters > kMaxParameters) {
    return Invalid("model", absl::StrCat("at most ", kMaxParameters, " parameters"),
                   absl::StrCat(parameters));
  }
  return absl::OkStatus();
}

v1::Schedule WithDefaults(const v1::Schedule& schedule, int num_hidden) {
  v1::Schedule out = schedule;
  if (out.scaling() == v1::SCALING_UNSPECIFIED) out.set_scaling(v1::UNIT_RANGE);
  if (out.method() == v1::FLN) {
    v1::FlnOptions* fln = out.mutable_fln();
    if (fln->alternations() == 0) fln->set_alternations(1);
    // The authors' MLP settings converted to F's units (docs/method.md,
    // "The authors' settings"): their penalty is 2B with lmbda 1 (lambda 2
    // on B), c = 10 on the loss, and block-unit proximal weights 10 (W_0)
    // and 100 (the others), which F weights by w_l.
    if (fln->lambda().empty()) fln->add_lambda(2.0f);
    if (fln->c().empty()) {
      for (int l = 1; l <= num_hidden; ++l) fln->add_c(l == num_hidden ? 10.0f : 1.0f);
    }
    if (fln->rho_d().empty()) {
      // A c list of the wrong length is left for ValidateSchedule to
      // report; w_l = 1 stands in until then.
      const bool c_fits = fln->c_size() == 1 || fln->c_size() == num_hidden;
      const FlnHyperparameters weights = FlnHyperparameters::FromProto(*fln, num_hidden);
      for (int l = 0; l <= num_hidden; ++l) {
        fln->add_rho_d((l == 0 ? 10.0f : 100.0f) * (c_fits ? weights.layer_weight(l) : 1.0f));
      }
    }
    if (fln->rho().empty()) fln->add_rho(0.0f);
    DefaultSolver(fln->mutable_x_solver(), v1::FISTA, 30);
    DefaultSolver(fln->mutable_w_solver(), v1::GRAM_PRECONDITIONED, 1);
    if (fln->x_order() == v1::ORDER_UNSPECIFIED) fln->set_x_order(v1::BACKWARD);
    if (fln->w_order() == v1::ORDER_UNSPECIFIED) fln->set_w_order(v1::FORWARD);
    if (!fln->has_initial_bias()) fln->set_initial_bias(0.1f);
    if (fln->w_inputs() == v1::W_INPUTS_UNSPECIFIED) fln->set_w_inputs(v1::LIFTED);
  } else if (out.method() == v1::BACKPROP) {
    v1::BackpropOptions* bp = out.mutable_backprop();
    if (bp->optimizer() == v1::OPTIMIZER_UNSPECIFIED) bp->set_optimizer(v1::ADAM);
    if (bp->learning_rate() == 0) {
      bp->set_learning_rate(bp->optimizer() == v1::ADAM ? 1e-3f : 1e-2f);
    }
    if (bp->beta1() == 0) bp->set_beta1(0.9f);
    if (bp->beta2() == 0) bp->set_beta2(0.999f);
    if (bp->epsilon() == 0) bp->set_epsilon(1e-8f);
  }
  return out;
}

absl::Status ValidateSchedule(const v1::Schedule& schedule, int num_hidden) {
  if (schedule.method() != v1::FLN && schedule.method() != v1::BACKPROP) {
    return Invalid("schedule.method", "FLN or BACKPROP", v1::Method_Name(schedule.method()));
  }
  if (schedule.epochs() <= 0 || schedule.epochs() > kMaxEpochs) {
    return Invalid("schedule.epochs", absl::StrCat("in [1, ", kMaxEpochs, "]"),
                   absl::StrCat(schedule.epochs()));
  }
  if (schedule.batch_size() <= 0 || schedule.batch_size() > kMaxBatchSize) {
    return Invalid("schedule.batch_size", absl::StrCat("> 0 and <= ", kMaxBatchSize),
                   absl::StrCat(schedule.batch_size()));
  }
  if (schedule.limit_train() < 0) {
    return Invalid("schedule.limit_train", ">= 0", absl::StrCat(schedule.limit_train()));
  }
  if (schedule.early_stopping().patience() < 0) {
    return Invalid("schedule.early_stopping.patience", ">= 0",
                   absl::StrCat(schedule.early_stopping().patience()));
  }
  if (!v1::FeatureScaling_IsValid(schedule.scaling())) {
    return Invalid("schedule.scaling", "a known scaling", absl::StrCat(schedule.scaling()));
  }
  if (schedule.method() == v1::FLN) {
    return ValidateFln(schedule.fln(), num_hidden, schedule.epochs());
  }
  return ValidateBackprop(schedule.backprop());
}

}  // namespace fln
