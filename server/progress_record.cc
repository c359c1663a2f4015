#include "server/progress_record.h"

namespace fln {

v1::MetricRecord ToRecord(const ProgressReport& r) {
  v1::MetricRecord m;
  m.set_epoch(r.epoch);
  m.set_batch(r.batch);
  m.set_num_batches(r.num_batches);
  m.set_end_of_epoch(r.end_of_epoch);
  m.set_batch_loss(r.batch_loss);
  if (r.has_relaxed_objective) {
    m.set_has_relaxed_objective(true);
    m.set_relaxed_objective_start(r.relaxed_start.total);
    m.set_relaxed_objective(r.relaxed_end.total);
    m.set_relaxed_loss_term(r.relaxed_end.loss_term);
    for (double term : r.relaxed_end.weighted_gaps) m.add_relaxed_gap_terms(term);
    m.set_relaxed_proximal_term(r.relaxed_end.proximal);
    m.set_relaxed_ridge_term(r.relaxed_end.ridge);
    for (double gap : r.relaxed_end.gaps) m.add_layer_gaps(gap);
    for (float lambda : r.weights.lambda) m.add_lambda(lambda);
    for (float rho_d : r.weights.rho_d) m.add_rho_d(rho_d);
    m.set_loss_weight(r.weights.loss_weight());
  }
  m.set_train_loss(r.train_loss);
  m.set_train_accuracy(r.train_accuracy);
  m.set_test_loss(r.test_loss);
  m.set_test_accuracy(r.test_accuracy);
  m.set_elapsed_seconds(r.elapsed_seconds);
  return m;
}

}  // namespace fln
