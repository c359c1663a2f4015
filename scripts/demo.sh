#!/usr/bin/env bash
# The fln demo, from a fresh machine to a trained Fashion-MNIST model:
#   1. install the Debian packages and build flnd and fln (-c opt);
#   2. start flnd in the background (data in ./fln_data, log in ./flnd.log)
#      and the web dashboard beside it (http://127.0.0.1:8080, log in
#      ./fln_data/fln_dashboard.log; DASHBOARD=127.0.0.1:PORT to move it);
#   3. import Fashion-MNIST, train an FLN 784-300-10 MLP for 3 epochs
#      (examples/mlp_300.textproto + examples/fln_fast.textproto) and stream
#      its metrics, one line per epoch, while the dashboard shows its curves;
#   4. predict five test images, evaluate on the test set, stop both.
# Re-running is fine: ./fln_data persists and importing again is harmless.
# The server and the dashboard are stopped however the script ends (trap).
set -euo pipefail
cd "$(dirname "$0")/.."

ADDRESS=127.0.0.1:50051
DATA_DIR=./fln_data
LOG=./flnd.log
DASHBOARD="${DASHBOARD:-127.0.0.1:8080}"
DASHBOARD_LOG="$DATA_DIR/fln_dashboard.log"  # inside the ignored data folder
FASHION=/usr/share/datasets/fashion-mnist
SERVER_PID=""
DASHBOARD_PID=""

step() { printf '\n== %s\n' "$*"; }

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "stopping flnd (pid $SERVER_PID)"
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
stop_dashboard() {
  if [ -n "$DASHBOARD_PID" ] && kill -0 "$DASHBOARD_PID" 2>/dev/null; then
    echo "stopping fln_dashboard (pid $DASHBOARD_PID)"
    kill -TERM "$DASHBOARD_PID" 2>/dev/null || true
    wait "$DASHBOARD_PID" 2>/dev/null || true
  fi
  DASHBOARD_PID=""
}
trap 'stop_dashboard; stop_server' EXIT
trap 'exit 130' INT TERM

step "installing packages"
bash scripts/install_deps.sh

step "building flnd, fln and fln_dashboard"
bazel build -c opt //server:flnd //client:fln //dashboard:fln_dashboard
BIN="$(bazel info -c opt bazel-bin 2>/dev/null)"
FLND="$BIN/server/flnd"
FLN_BIN="$BIN/client/fln"
DASHBOARD_BIN="$BIN/dashboard/fln_dashboard"
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

step "starting the dashboard (log: $DASHBOARD_LOG)"
# The dashboard is optional to the demo: if its port is taken, say so and go on.
"$DASHBOARD_BIN" --flnd="$ADDRESS" --listen="$DASHBOARD" >>"$DASHBOARD_LOG" 2>&1 &
DASHBOARD_PID=$!
DASHBOARD_URL=""
for _ in $(seq 1 50); do
  DASHBOARD_URL="$(sed -n 's/^fln_dashboard listening on \(http:[^ ]*\).*/\1/p' "$DASHBOARD_LOG" | tail -n 1)"
  [ -n "$DASHBOARD_URL" ] && break
  kill -0 "$DASHBOARD_PID" 2>/dev/null || break
  sleep 0.1
done
if [ -n "$DASHBOARD_URL" ] && kill -0 "$DASHBOARD_PID" 2>/dev/null; then
  echo "dashboard (pid $DASHBOARD_PID): $DASHBOARD_URL/"
else
  echo "demo: the dashboard did not start (is $DASHBOARD taken?); last lines of $DASHBOARD_LOG:" >&2
  tail -n 5 "$DASHBOARD_LOG" >&2
  DASHBOARD_PID=""
  DASHBOARD_URL=""
fi

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
if [ -n "$DASHBOARD_URL" ]; then
  echo "live curves in the browser: $DASHBOARD_URL/job.html?id=$JOB"
fi
fln watch "$JOB"

step "predicting five test images"
echo "classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,"
echo "         7 Sneaker, 8 Bag, 9 Ankle boot"
fln predict --model="$JOB" --count=5 \
  --idx_images="$FASHION/t10k-images-idx3-ubyte.gz" \
  --idx_labels="$FASHION/t10k-labels-idx1-ubyte.gz"

step "evaluating on the 10,000 test images"
fln evaluate --model="$JOB" --dataset="$TEST"

if [ -n "$DASHBOARD_URL" ]; then
  echo "model page (confusion matrix, predict box): $DASHBOARD_URL/model.html?id=$JOB"
fi

step "stopping the dashboard and flnd"
stop_dashboard
stop_server
echo "done. The model stays in $DATA_DIR: restart flnd and try 'fln models'."
