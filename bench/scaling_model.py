#!/usr/bin/env python3
"""Projects data-parallel FLN / backprop epoch time on P machines.

Inputs are measured on one machine (bench/README.md, "Data-parallel training
on Open MPI"): the compute time of one batch at two batch sizes (so
T(m) = a + b m: a is the work every rank repeats whatever its share, such as
FLN's W-block metric inversion and H^-1 step; b the work per sample), and the
bytes and calls of the all-reduces per batch (fln_bench under mpirun).

Model, per batch on P machines, each one rank with the machine's threads:
  compute(P) = a + b m / P
  comm(P)    = 2 (P-1)/P * S / B  +  calls * 2 ceil(log2 P) * alpha
(ring all-reduce bandwidth term, latency of a tree/recursive-doubling
all-reduce for every call), epoch = batches * (compute + comm), efficiency
E(P) = T(1) / (P T(P)). "Stops scaling" = E below 50%: from then on a machine
adds less than half of itself. Usage: scaling_model.py (prints the tables).
"""
import math

# Measured inputs: filled from the runs in bench/README.md.
# a, b: 2 threads, quiet, 2026-12-02: MLP 35.4 ms per batch at m = 500
# (--limit_train=30000) and 28.7 ms at m = 250 (--limit_train=15000
# --batch_size=250); LeNet-5 (examples/fln_lenet5.textproto) 258 ms at m = 500
# (--limit_train=10000) and 162.5 ms at m = 250 (--limit_train=2500
# --batch_size=250). Bytes and calls: fln_bench under mpirun -np 2.
MODELS = {
    # name: (a seconds, b seconds per sample, bytes per batch, calls per batch,
    #        global batch, samples per epoch)
    "FLN MLP 784-300-10": (0.0220, 26.8e-6, 3783846, 11.0, 500, 60000),
    "FLN LeNet-5": (0.0670, 382e-6, 1073480, 23.2, 500, 60000),
}

NETWORKS = {"10 Gbit/s": (10e9 / 8, 25e-6), "100 Gbit/s": (100e9 / 8, 5e-6)}
MACHINES = [1, 2, 4, 8, 16, 32, 64]


def per_batch(a, b, size, calls, m, p, bandwidth, alpha):
  compute = a + b * m / p
  if p == 1:
    return compute, 0.0
  comm = 2 * (p - 1) / p * size / bandwidth + calls * 2 * math.ceil(math.log2(p)) * alpha
  return compute, comm


def min_batch_for_half_efficiency(a, b, size, calls, p, bandwidth, alpha):
  # E >= 1/2  <=>  a + b m >= (P/2)(a + b m / P + c)  <=>  m >= ((P-2) a + P c) / b
  _, comm = per_batch(a, b, size, calls, 1, p, bandwidth, alpha)
  return ((p - 2) * a + p * comm) / b


def main():
  for name, (a, b, size, calls, m, samples) in MODELS.items():
    batches = math.ceil(samples / m)
    print(f"\n{name}: a = {a*1e3:.2f} ms, b = {b*1e6:.2f} us/sample, "
          f"{size/1e6:.3f} MB and {calls:.1f} all-reduces per batch, batch {m}")
    print("| machines | " + " | ".join(
        f"{net}: s/epoch (compute + all-reduce) | efficiency" for net in NETWORKS) +
          " | batch for 50% efficiency (10 / 100 Gbit/s) |")
    print("|---" * (2 + 2 * len(NETWORKS)) + "|")
    base = batches * (a + b * m)
    for p in MACHINES:
      cells = []
      mins = []
      for net, (bandwidth, alpha) in NETWORKS.items():
        compute, comm = per_batch(a, b, size, calls, m, p, bandwidth, alpha)
        epoch = batches * (compute + comm)
        cells.append(f"{epoch:.2f} ({batches*compute:.2f} + {batches*comm:.2f}) | "
                     f"{100*base/(p*epoch):.0f}%")
        if p > 1:
          mins.append(f"{min_batch_for_half_efficiency(a, b, size, calls, p, bandwidth, alpha):.0f}")
      print(f"| {p} | " + " | ".join(cells) + f" | {' / '.join(mins) if mins else '-'} |")
    print(f"Speed-up bound from a alone (infinite network): (a + b m) / a = "
          f"{(a + b*m)/a:.1f}x")


if __name__ == "__main__":
  main()
