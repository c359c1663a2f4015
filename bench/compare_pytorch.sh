#!/usr/bin/env bash
# fln against PyTorch in one run on this machine: seconds per epoch and
# training seconds to a target test accuracy on Fashion-MNIST, same threads.
#
#   bash bench/compare_pytorch.sh                      # MLP 784-300-10 and LeNet-5, 2 threads
#   EPOCHS=10 THREADS=2 MODELS="lenet5" ROUNDS=3 bash bench/compare_pytorch.sh
#
# ROUNDS > 1 repeats the three runs of each model in turn, so that a slow
# spell of a shared host hits both sides alike; bench/compare_summary.py
# prints the table (medians over rounds, and the backprop / PyTorch ratio of
# each round's adjacent pair).
#
# Both sides evaluate the test set at epoch ends (EVALS > 1: also after every
# (batches / EVALS)-th batch), and time to target counts training seconds
# only (evaluation excluded) up to the first evaluation at or above TARGET
# (seconds_to_target) and up to the one from which every later evaluation of
# the run is at or above it (seconds_to_stay_at_target).
# Rows: fln FLN (default schedule; LeNet-5 with examples/fln_lenet5.textproto),
# fln backprop (Adam, lr 1e-3, batch 128) and PyTorch (the same Adam
# schedule, bench/pytorch_bench.py). Installs Debian's python3-torch and the
# OpenMP OpenBLAS if missing (not needed by the tests). Run it on a quiet
# machine: fln_bench records the CPU share other processes took
# (other_processes_cpu_share); ../shared/docs/perf-notes.md has the traps.
set -euo pipefail
cd "$(dirname "$0")/.."

EPOCHS="${EPOCHS:-10}"
THREADS="${THREADS:-2}"
TARGET="${TARGET:-0.88}"
EVALS="${EVALS:-1}"  # test evaluations per epoch, both sides (for time to TARGET)
MODELS="${MODELS:-mlp:300 lenet5}"
ROUNDS="${ROUNDS:-1}"
OUT="${OUT:-/tmp/fln_compare_$(date +%Y%m%d_%H%M%S)}"

need=()
for p in python3-torch libopenblas0-openmp; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
    --no-install-recommends "${need[@]}"
fi

bazel build -c opt //bench:fln_bench //bench:gemm_peak
mkdir -p "$OUT"
# Both sides run in this environment. PyTorch multiplies on OpenBLAS's kernels
# (OPENBLAS_CORETYPE, if set, names them); fln on its GEMM engine, which
# gemm_peak names (core/gemm.h; FLN_GEMM=openblas puts it on OpenBLAS too).
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; commit $(git rev-parse --short HEAD); $(date -u +%Y-%m-%dT%H:%MZ); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; FLN_GEMM=${FLN_GEMM:-unset}" | tee "$OUT/machine.txt"
bazel-bin/bench/gemm_peak --threads="$THREADS" | tee "$OUT/gemm.txt"

for round in $(seq 1 "$ROUNDS"); do
  for model in $MODELS; do
    tag="${model//[:,]/_}_r${round}"
    schedule=()
    [ "$model" = lenet5 ] && schedule=(--schedule="$PWD/examples/fln_lenet5.textproto")
    for method in fln backprop; do
      extra=()
      [ "$method" = fln ] && extra=("${schedule[@]}")
      bazel-bin/bench/fln_bench --model="$model" --method="$method" --epochs="$EPOCHS" \
        --threads="$THREADS" --seed=1 --json --target_accuracy="$TARGET" \
        --evals_per_epoch="$EVALS" \
        --max_load=1 "${extra[@]}" > "$OUT/fln_${method}_${tag}.jsonl"
      tail -1 "$OUT/fln_${method}_${tag}.jsonl"
    done
    /usr/bin/python3 bench/pytorch_bench.py --model="$model" --epochs="$EPOCHS" \
      --threads="$THREADS" --target="$TARGET" --evals_per_epoch="$EVALS" \
      > "$OUT/pytorch_${tag}.jsonl"
    tail -1 "$OUT/pytorch_${tag}.jsonl"
  done
done
bazel-bin/bench/gemm_peak --threads="$THREADS" | tee "$OUT/gemm_after.txt"
/usr/bin/python3 bench/compare_summary.py "$OUT"
echo "results in $OUT"
