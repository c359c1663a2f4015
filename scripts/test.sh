#!/usr/bin/env bash
# Runs every test: installs missing Debian packages, then `bazel test //...`.
# Ends with a plain "N passed, N failed" line counted from Bazel's summary.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install_deps.sh || exit 1

log="$(mktemp)"
bazel test //... "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log" || true)
failed=$(grep -cE '^//[^ ]+ +(FAILED|TIMEOUT|NO STATUS|FAILED TO BUILD)' "$log" || true)
rm -f "$log"
echo "${passed} passed, ${failed} failed"
exit "$rc"
