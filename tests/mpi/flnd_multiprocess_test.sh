#!/usr/bin/env bash
# Runs flnd_multiprocess_test.py with Debian's interpreter (python3-grpcio,
# python3-numpy) against flnd and fln_worker from the runfiles; mpirun is
# Debian's openmpi-bin (scripts/install_deps.sh).
set -euo pipefail
RUNFILES="${TEST_SRCDIR:-${RUNFILES_DIR:-$0.runfiles}}"
PY=/usr/bin/python3
command -v mpirun >/dev/null || { echo "FAIL: no mpirun: bash scripts/install_deps.sh" >&2; exit 1; }
export PYTHONPATH="$RUNFILES/fln/client/python"
export PYTHONDONTWRITEBYTECODE=1
# The test build of flnd: it can hold a job after an epoch (--pause_after_epoch).
export FLND="$RUNFILES/fln/server/testing/flnd_for_testing"
export FLN_WORKER="$RUNFILES/fln/server/fln_worker"
exec "$PY" "$RUNFILES/fln/tests/mpi/flnd_multiprocess_test.py"
