#!/usr/bin/env bash
# End-to-end test of flnd and fln: start the server on a free port, upload a
# synthetic CSV dataset, train a small FLN model, follow it with `fln watch`,
# evaluate, predict, check errors, then stop the server with SIGTERM.
#
# Contract with the server: flnd takes --listen and --data_dir and prints
# "flnd listening on 127.0.0.1:PORT" once it serves.
# Only bash, awk, grep and sed: no jq, no python.
set -uo pipefail

RUNFILES="${TEST_SRCDIR:-${RUNFILES_DIR:-$0.runfiles}}"
FLND="$RUNFILES/fln/server/flnd"
FLN="$RUNFILES/fln/client/fln"
WORK="${TEST_TMPDIR:-$(mktemp -d)}/e2e"
rm -rf "$WORK" && mkdir -p "$WORK"
LOG="$WORK/flnd.log"
SERVER_PID=""

fail() {
  echo "FAIL: $*" >&2
  if [ -f "$LOG" ]; then
    echo "--- flnd log (last 40 lines) ---" >&2
    tail -n 40 "$LOG" >&2
  fi
  exit 1
}

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
}
trap stop_server EXIT

# The value of a JSON string member: json_str KEY <<< '{"KEY":"value",...}'.
json_str() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" | head -n 1; }
# The value of a JSON number member (first occurrence).
json_num() { grep -o "\"$1\":[-0-9.eE+]*" | head -n 1 | sed 's/.*://'; }

[ -x "$FLND" ] || fail "no flnd binary at $FLND"
[ -x "$FLN" ] || fail "no fln binary at $FLN"

# Starts flnd on a free port with the given flags, logging to $LOG; sets
# SERVER_PID and PORT.
start_flnd() {
  "$FLND" --listen=127.0.0.1:0 "$@" >"$LOG" 2>&1 &
  SERVER_PID=$!
  PORT=""
  for _ in $(seq 1 300); do
    PORT="$(sed -n 's/.*flnd listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$LOG" | head -n 1)"
    [ -n "$PORT" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "flnd exited before listening"
    sleep 0.1
  done
  [ -n "$PORT" ] || fail "flnd did not print 'flnd listening on 127.0.0.1:PORT' within 30 s"
  echo "flnd pid $SERVER_PID on port $PORT"
}

echo "== start flnd on a free port"
start_flnd --data_dir="$WORK/data"

fln() { "$FLN" --server="127.0.0.1:$PORT" --timeout=60s "$@"; }

echo "== health"
health="$(fln health)" || fail "fln health failed: $health"
[ "$health" = "SERVING" ] || fail "health is '$health', want SERVING"

echo "== synthetic data: 3 classes, 8 features, class k raises features j with j % 3 == k"
make_csv() {  # make_csv SEED ROWS
  awk -v seed="$1" -v rows="$2" 'BEGIN {
    srand(seed)
    for (i = 0; i < rows; i++) {
      k = i % 3
      line = k
      for (j = 0; j < 8; j++) {
        v = rand()
        if (j % 3 == k) v += 2
        line = line "," sprintf("%.4f", v)
      }
      print line
    }
  }'
}
make_csv 1 600 >"$WORK/train.csv"
make_csv 2 150 >"$WORK/test.csv"
[ "$(wc -l <"$WORK/train.csv")" -eq 600 ] || fail "train.csv should have 600 rows"

echo "== upload"
out="$(fln --json dataset upload --name=e2e-train --csv="$WORK/train.csv")" || fail "upload train: $out"
TRAIN="$(json_str id <<<"$out")"
[ -n "$TRAIN" ] || fail "no id in upload output: $out"
grep -q '"num_features":8' <<<"$out" || fail "train dataset should have 8 features: $out"
grep -q '"num_classes":3' <<<"$out" || fail "train dataset should have 3 classes: $out"
out="$(fln --json dataset upload --name=e2e-test --csv="$WORK/test.csv")" || fail "upload test: $out"
TEST="$(json_str id <<<"$out")"
[ -n "$TEST" ] || fail "no id in upload output: $out"
echo "train $TRAIN, test $TEST"

out="$(fln --json dataset list)" || fail "dataset list: $out"
grep -q "\"id\":\"$TRAIN\"" <<<"$out" || fail "dataset list lacks $TRAIN: $out"
grep -q "\"id\":\"$TEST\"" <<<"$out" || fail "dataset list lacks $TEST: $out"
fln dataset get "$TRAIN" >/dev/null || fail "dataset get $TRAIN"

echo "== submit an FLN job (8 -> 16 -> 3, 3 epochs, batch 50)"
cat >"$WORK/model.textproto" <<'PROTO'
input_size: 8
layers { dense { units: 16 } }
layers { dense { units: 3 } }
PROTO
cat >"$WORK/schedule.textproto" <<'PROTO'
method: FLN
epochs: 3
batch_size: 50
seed: 1
PROTO
out="$(fln --json submit --train="$TRAIN" --test="$TEST" --model="$WORK/model.textproto" \
  --schedule="$WORK/schedule.textproto" --name=e2e --request_id=e2e-1)" || fail "submit: $out"
JOB="$(json_str id <<<"$out")"
[ -n "$JOB" ] || fail "no id in submit output: $out"
echo "job $JOB"

# The same request_id returns the same job instead of a second one.
out="$(fln --json submit --train="$TRAIN" --test="$TEST" --model="$WORK/model.textproto" \
  --schedule="$WORK/schedule.textproto" --name=e2e --request_id=e2e-1)" || fail "resubmit: $out"
[ "$(json_str id <<<"$out")" = "$JOB" ] || fail "resubmitting request_id e2e-1 made a new job: $out"

echo "== watch"
fln --json watch "$JOB" >"$WORK/watch.jsonl" 2>"$WORK/watch.err"
rc=$?
cat "$WORK/watch.jsonl"
[ "$rc" -eq 0 ] || fail "fln watch exited $rc: $(cat "$WORK/watch.err")"
tail -n 1 "$WORK/watch.jsonl" | grep -q '"state":"SUCCEEDED"' || fail "watch did not end with SUCCEEDED"
epochs="$(grep '"event":"metrics"' "$WORK/watch.jsonl" | grep -c '"end_of_epoch":true')"
[ "$epochs" -eq 3 ] || fail "want 3 epoch metric lines, got $epochs"
with_acc="$(grep '"end_of_epoch":true' "$WORK/watch.jsonl" | grep -c '"test_accuracy":[0-9]')"
[ "$with_acc" -eq 3 ] || fail "want test_accuracy on all 3 epoch lines, got $with_acc"
for key in epoch train_loss relaxed_objective_start relaxed_objective seconds sequence; do
  grep '"end_of_epoch":true' "$WORK/watch.jsonl" | grep -q "\"$key\":[0-9]" \
    || fail "epoch lines lack a numeric \"$key\""
done
# Sequences strictly increase: nothing duplicated.
seqs="$(grep -o '"sequence":[0-9]*' "$WORK/watch.jsonl" | sed 's/.*://')"
sorted="$(sort -n -u <<<"$seqs")"
[ "$seqs" = "$sorted" ] || fail "watch sequences not strictly increasing: $seqs"

# Human watch of the finished job replays the epochs and the summary.
out="$(fln watch "$JOB")" || fail "human watch: $out"
grep -q '^epoch 3/3 ' <<<"$out" || fail "human watch lacks 'epoch 3/3': $out"
grep -q "^job $JOB SUCCEEDED" <<<"$out" || fail "human watch lacks the summary: $out"

out="$(fln --json job get "$JOB")" || fail "job get: $out"
grep -q '"state":"SUCCEEDED"' <<<"$out" || fail "job get state: $out"
out="$(fln --json jobs --state=SUCCEEDED)" || fail "jobs: $out"
grep -q "\"id\":\"$JOB\"" <<<"$out" || fail "jobs --state=SUCCEEDED lacks $JOB: $out"
out="$(fln --json models)" || fail "models: $out"
grep -q "\"id\":\"$JOB\"" <<<"$out" || fail "models lacks $JOB: $out"
fln model get "$JOB" --weights_out="$WORK/model.ckpt" >/dev/null || fail "model get --weights_out"
[ -s "$WORK/model.ckpt" ] || fail "model get wrote no weights"

echo "== evaluate"
out="$(fln --json evaluate --model="$JOB" --dataset="$TEST")" || fail "evaluate: $out"
echo "$out"
acc="$(json_num accuracy <<<"$out")"
[ -n "$acc" ] || fail "no numeric accuracy in: $out"
awk -v a="$acc" 'BEGIN { exit !(a > 0.5) }' || fail "test accuracy $acc is not > 0.5"
[ "$(json_num samples <<<"$out")" = "150" ] || fail "evaluate should count 150 samples: $out"
grep -q '"confusion":\[\[' <<<"$out" || fail "no confusion matrix: $out"

echo "== predict"
out="$(fln --json predict --model="$JOB" --csv="$WORK/test.csv" --offset=3 --count=5)" \
  || fail "predict: $out"
echo "$out"
[ "$(grep -c '"label":' <<<"$out")" -eq 5 ] || fail "want 5 predictions: $out"
grep -q '^{"index":3,"label":[0-2],"true_label":0,"probabilities":\[' <<<"$out" \
  || fail "first prediction malformed: $out"
fln predict --model="$JOB" --csv="$WORK/test.csv" --count=3 | grep -q 'correct$' \
  || fail "human predict lacks its summary"

echo "== errors"
out="$(fln submit --train=no-such-dataset --model="$WORK/model.textproto" \
  --schedule="$WORK/schedule.textproto" 2>&1)" && fail "submit with a missing dataset succeeded"
grep -q '^fln: NOT_FOUND: ' <<<"$out" || fail "missing dataset: want 'fln: NOT_FOUND: ...', got: $out"
printf 'method: FLN\nepochs: 3\nbatch_size: 0\n' >"$WORK/bad_schedule.textproto"
out="$(fln submit --train="$TRAIN" --model="$WORK/model.textproto" \
  --schedule="$WORK/bad_schedule.textproto" 2>&1)" && fail "submit with batch_size 0 succeeded"
grep -q '^fln: INVALID_ARGUMENT: .*batch_size' <<<"$out" \
  || fail "batch_size 0: want 'fln: INVALID_ARGUMENT: ...batch_size...', got: $out"
fln job get no-such-job >/dev/null 2>&1 && fail "job get of an unknown id succeeded"
fln frobnicate >/dev/null 2>&1
[ $? -eq 64 ] || fail "an unknown command should exit 64"

echo "== stop flnd with SIGTERM"
kill -TERM "$SERVER_PID"
for _ in $(seq 1 200); do
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$SERVER_PID" 2>/dev/null && fail "flnd still running 20 s after SIGTERM"
wait "$SERVER_PID"
rc=$?
SERVER_PID=""
[ "$rc" -eq 0 ] || fail "flnd exited $rc after SIGTERM, want 0"

echo "== tokens: flnd --auth_token_file, fln --token_file"
printf 'e2e e2e-token-0123456789abcdef\n' >"$WORK/tokens"
printf 'e2e-token-0123456789abcdef\n' >"$WORK/my_token"
LOG="$WORK/flnd_auth.log"
start_flnd --data_dir="$WORK/auth_data" --auth_token_file="$WORK/tokens"
out="$(fln jobs 2>&1)" && fail "jobs without a token succeeded: $out"
grep -q '^fln: UNAUTHENTICATED: ' <<<"$out" || fail "want UNAUTHENTICATED, got: $out"
fln --token_file="$WORK/my_token" jobs >/dev/null || fail "jobs with the token failed"
fln health >/dev/null || fail "health needs no token"
"$FLND" --listen=0.0.0.0:0 --data_dir="$WORK/open_data" >"$WORK/open.log" 2>&1 \
  && fail "flnd served 0.0.0.0 without TLS, tokens or --insecure"
grep -q -- '--insecure' "$WORK/open.log" || fail "the refusal should name --insecure"

echo "PASS"
