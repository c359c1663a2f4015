#!/usr/bin/env bash
# Runs the data-parallel tests on 2 ranks (../shared/docs/mpi-notes.md):
# --allow-run-as-root for CI's root, --oversubscribe and --bind-to none so 2
# single-threaded ranks share a 2-core machine, --timeout so a hung rank fails
# the test instead of stalling it.
set -euo pipefail
bin="$1"
exec mpirun --allow-run-as-root --oversubscribe --bind-to none --timeout 240 \
  -np 2 -x OMP_NUM_THREADS=1 "$bin"
