#!/usr/bin/env bash
# Coverage-guided fuzzing of every target in tests/fuzz with libFuzzer and
# ASan (clang), each for SECONDS (default 60) on a copy of its seed corpus:
#   tests/fuzz/run_libfuzzer.sh [SECONDS]
# Installs clang, libFuzzer and libomp if missing. New inputs that found
# coverage stay in the copy ($OUT, printed); add good ones to corpus/.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_TARGET="${1:-60}"
missing=()
for p in clang libfuzzer-14-dev libomp-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
OUT="$(mktemp -d)"
echo "corpora copied to $OUT"
targets=(idx csv model_spec schedule checkpoint)
bazel build --config=fuzz $(printf '//tests/fuzz:%s_fuzzer_libfuzzer ' "${targets[@]}")
for t in "${targets[@]}"; do
  mkdir -p "$OUT/$t"
  cp tests/fuzz/corpus/"$t"/* "$OUT/$t/"
  echo "== $t: ${SECONDS_PER_TARGET}s"
  bazel-bin/tests/fuzz/"$t"_fuzzer_libfuzzer -max_total_time="$SECONDS_PER_TARGET" \
    -rss_limit_mb=4096 "$OUT/$t" 2>&1 | grep -E "^#[0-9]+.*DONE|ERROR|SUMMARY|Done [0-9]+ runs" || true
done
