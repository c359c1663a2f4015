#!/usr/bin/env bash
# Runs fln_client_test.py with Debian's interpreter: `python3` on PATH may be
# another one (e.g. a pyenv shim) without grpcio and numpy.
set -euo pipefail
RUNFILES="${TEST_SRCDIR:-${RUNFILES_DIR:-$0.runfiles}}"
PY=/usr/bin/python3
"$PY" -c 'import grpc, numpy, google.protobuf' 2>/dev/null || {
  echo "FAIL: $PY lacks grpc/numpy/protobuf: bash scripts/install_deps.sh installs them" >&2
  exit 1
}
# The generated `proto` package and the `fln` package share this runfiles dir.
export PYTHONPATH="$RUNFILES/fln/client/python"
export PYTHONDONTWRITEBYTECODE=1
export FLND="$RUNFILES/fln/server/flnd"
exec "$PY" "$RUNFILES/fln/client/python/fln_client_test.py"
