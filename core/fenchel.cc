#include "core/fenchel.h"

#include "core/softmax.h"

namespace fln {

Vector FenchelDivergencePerColumn(const Matrix& pre, const Matrix& post) {
  return FenchelDivergenceArray(pre, post).colwise().sum().transpose().matrix();
}

double FenchelDivergenceSum(const Matrix& pre, const Matrix& post) {
  return FenchelDivergencePerColumn(pre, post).cast<double>().sum();
}

namespace {

void AccumulateVector(const std::vector<double>& term, double scale, std::vector<double>* sum) {
  if (sum->size() < term.size()) sum->resize(term.size(), 0.0);
  for (size_t i = 0; i < term.size(); ++i) (*sum)[i] += scale * term[i];
}

}  // namespace

void AccumulateObjective(const LiftedObjective& term, double scale, LiftedObjective* sum) {
  sum->total += scale * term.total;
  sum->loss_term += scale * term.loss_term;
  AccumulateVector(term.gaps, scale, &sum->gaps);
  AccumulateVector(term.weighted_gaps, scale, &sum->weighted_gaps);
  sum->proximal += scale * term.proximal;
  sum->ridge += scale * term.ridge;
}

LiftedObjective EvaluateLiftedObjective(const Network& net, const std::vector<Matrix>& x,
                                        const std::vector<Matrix>& pre, const Matrix& one_hot,
                                        const FlnHyperparameters& hyper, const Network& anchor) {
  LiftedObjective f;
  const int hidden = net.num_hidden();
  f.loss_term = hyper.loss_weight() *
                CrossEntropyPerColumn(pre[hidden], one_hot).cast<double>().sum();
  f.total = f.loss_term;
  for (int l = 0; l < hidden; ++l) {
    f.gaps.push_back(FenchelDivergenceSum(pre[l], x[l + 1]));
    f.weighted_gaps.push_back(hyper.constraint_weight(l) * f.gaps.back());
    f.total += f.weighted_gaps.back();
  }
  for (int l = 0; l <= hidden; ++l) {
    const Layer& layer = net.layer(l);
    const Layer& centre = anchor.layer(l);
    f.proximal += hyper.rho_d[l] * ((layer.weight - centre.weight).cast<double>().squaredNorm() +
                                    (layer.bias - centre.bias).cast<double>().squaredNorm());
    f.ridge += hyper.rho[l] * layer.weight.cast<double>().squaredNorm();
  }
  f.total += f.proximal + f.ridge;
  return f;
}

LiftedObjective EvaluateLiftedObjective(const Network& net, const std::vector<Matrix>& x,
                                        const Matrix& one_hot, const FlnHyperparameters& hyper,
                                        const Network& anchor) {
  std::vector<Matrix> pre(net.num_layers());
  for (int l = 0; l < net.num_layers(); ++l) net.PreActivation(l, x[l], &pre[l]);
  return EvaluateLiftedObjective(net, x, pre, one_hot, hyper, anchor);
}

}  // namespace fln
