// File: collective.h
//
// The seam for data-parallel FLN. X-blocks are separable over samples, so a
// process only needs its own shard; W-blocks need sums over *all* samples
// (gradients, Gram matrices, objective values, docs/method.md, "Parallelism"). Every
// such sum goes through Collective::AllReduceSum, so adding processes means
// adding a Collective, not rewriting the solvers.
#ifndef FLN_CORE_COLLECTIVE_H_
#define FLN_CORE_COLLECTIVE_H_

#include <cstddef>

#include "core/matrix.h"

namespace fln {

class Collective {
 public:
  virtual ~Collective() = default;

  // Replaces data[0..n) with its element-wise sum over all participants.
  // Every participant must call it with the same n, in the same order.
  virtual void AllReduceSum(float* data, size_t n) = 0;
  virtual void AllReduceSum(double* data, size_t n) = 0;

  // Number of participants, and this one's index in [0, size()). Data-parallel
  // loops shard every batch by rank (ShardRange in core/shard.h).
  virtual int size() const = 0;
  virtual int rank() const { return 0; }

  void AllReduceSum(Matrix* m) { AllReduceSum(m->data(), static_cast<size_t>(m->size())); }
  void AllReduceSum(Vector* v) { AllReduceSum(v->data(), static_cast<size_t>(v->size())); }
};

// One process: the sum over participants is the local value.
class LocalCollective final : public Collective {
 public:
  void AllReduceSum(float*, size_t) override {}
  void AllReduceSum(double*, size_t) override {}
  int size() const override { return 1; }
};

// The collective a caller passed, or a process-wide LocalCollective for null.
inline Collective* OrLocal(Collective* collective) {
  static LocalCollective local;
  return collective != nullptr ? collective : &local;
}

}  // namespace fln

#endif  // FLN_CORE_COLLECTIVE_H_
