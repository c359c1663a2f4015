#!/usr/bin/env bash
# The fln demo, from a fresh machine to a trained Fashion-MNIST model:
#   1. install the Debian packages and build flnd and fln (-c opt);
#   2. start flnd in the background (data in ./fln_data, log in ./flnd.log);
#   3. import Fashion-MNIST, train an FLN 784-300-10 MLP for 3 epochs
#      (examples/mlp_300.textproto + examples/fln_fast.textproto) and stream
#      its metrics, one line per epoch;
#   4. predict five test images, evaluate on the test set, stop the server.
# Re-running is fine: ./fln_data persists and importing again is harmless.
# The server is stopped however the script ends (trap).
set -euo pipefail
cd "$(dirname "$0")/.."

ADDRESS=127.0.0.1:50051
DATA_DIR=./fln_data
LOG=./flnd.log
FASHION=/usr/share/datasets/fashion-mnist
SERVER_PID=""

step() { printf '\n== %s\n' "$*"; }

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "stopping flnd (pid $SERVER_PID)"
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_server EXIT
trap 'exit 130' INT TERM

step "installing packages"
bash scripts/install_deps.sh

step "building flnd and fln"
bazel build -c opt //server:flnd //client:fln
BIN="$(bazel info -c opt bazel-bin 2>/dev/null)"
FLND="$BIN/server/flnd"
FLN_BIN="$BIN/client/fln"
fln() { "$FLN_BIN" --server="$ADDRESS" "$@"; }

if fln --timeout=2s dataset list >/dev/null 2>&1; then
  echo "demo: a server already answers on $ADDRESS; stop it first" >&2
  exit 1
fi

step "starting flnd (log: $LOG)"
"$FLND" --listen="$ADDRESS" --data_dir="$DATA_DIR" >>"$LOG" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  fln --timeout=2s dataset list >/dev/null 2>&1 && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    SERVER_PID=""
    echo "demo: flnd exited; last lines of $LOG:" >&2
    tail -n 20 "$LOG" >&2
    exit 1
  fi
  sleep 0.5
done
fln --timeout=2s dataset list >/dev/null || { echo "demo: flnd is not answering" >&2; exit 1; }
echo "flnd (pid $SERVER_PID) is serving on $ADDRESS"

step "importing Fashion-MNIST"
# --json prints one line per dataset: {"split":"train","id":...} and "test".
imported="$(fln --json dataset import fashion-mnist)"
TRAIN="$(grep '"split":"train"' <<<"$imported" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')"
TEST="$(grep '"split":"test"' <<<"$imported" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')"
[ -n "$TRAIN" ] && [ -n "$TEST" ] || { echo "demo: import printed no ids: $imported" >&2; exit 1; }
fln dataset list

step "training: FLN, MLP 784-300-10, 3 epochs of batch 500"
# An interrupted earlier demo leaves its job RUNNING (or QUEUED); the server
# would resume it ahead of ours, so cancel it first.
for state in RUNNING QUEUED; do
  for id in $(fln --json jobs --state="$state" | grep '"name":"demo-fln"' |
              sed -n 's/^{"id":"\([^"]*\)".*/\1/p'); do
    echo "cancelling $id, left over from an interrupted demo"
    fln cancel "$id" >/dev/null || true
  done
done
submitted="$(fln --json submit --train="$TRAIN" --test="$TEST" --name=demo-fln \
  --model=examples/mlp_300.textproto --schedule=examples/fln_fast.textproto)"
JOB="$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$submitted" | head -n 1)"
echo "job $JOB submitted; following it (fln watch $JOB)"
fln watch "$JOB"

step "predicting five test images"
echo "classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,"
echo "         7 Sneaker, 8 Bag, 9 Ankle boot"
fln predict --model="$JOB" --count=5 \
  --idx_images="$FASHION/t10k-images-idx3-ubyte.gz" \
  --idx_labels="$FASHION/t10k-labels-idx1-ubyte.gz"

step "evaluating on the 10,000 test images"
fln evaluate --model="$JOB" --dataset="$TEST"

step "stopping flnd"
stop_server
echo "done. The model stays in $DATA_DIR: restart flnd and try 'fln models'."
