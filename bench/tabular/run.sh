#!/bin/bash
# bench/tabular/run.sh - benchmark B: test accuracy of a 10,10 network on
# UCI's iris, wine and breast cancer sets, backprop against scikit-learn's
# MLPClassifier(hidden_layer_sizes=(10, 10)), on the same stratified split.
#
#   bench/tabular/run.sh
#
# Environment:
#   BUILD           build directory holding backprop (default build); this
#                   script builds nothing: run `make` first
#   TABULAR_SEEDS   seeds per tool and data set, 1..N (default 5)
#   SPLIT_SEED      random_state of the stratified 70/30 split (default 0)
#   TABULAR_GRID    1 (default): also run backprop's small lr x epochs
#                   sensitivity grid; 0: skip it
#   TABULAR_RESULTS where to write the Markdown (default bench/results/tabular.md)
#
# Writes the data into $BUILD/bench/tabular/, the raw results into
# $BUILD/bench/tabular/raw.tsv, and bench/results/tabular.md (also printed).
# Needs Debian's python3-sklearn (apt-get install python3-sklearn), run with
# /usr/bin/python3.  Takes about 25 seconds on 2 cores (5 seeds); TABULAR_SEEDS=100
# TABULAR_GRID=0 takes about 8 minutes and settles what 5 seeds cannot.
set -eu
export LC_ALL=C

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SEEDS=${TABULAR_SEEDS:-5}
SPLIT_SEED=${SPLIT_SEED:-0}
GRID=${TABULAR_GRID:-1}
PY=/usr/bin/python3
HERE=bench/tabular
DATA=$BUILD/bench/tabular
RAW=$DATA/raw.tsv
RESULTS=${TABULAR_RESULTS:-bench/results/tabular.md}
BACKPROP=$BUILD/backprop
SETS="iris wine breast_cancer"

# backprop's settings: the same for the three sets, the project README's iris
# example (see bench/README.md, section B); not tuned on the test rows.
BP_LR=0.01 BP_BATCH=32 BP_EPOCHS=200
BP_ARGS=(--hidden "10,10" --activation relu --optimizer adam)

die() { echo "bench/tabular: $*" >&2; exit 2; }
say() { echo "bench/tabular: $*" >&2; }

case $SEEDS in ''|*[!0-9]*|0) die "TABULAR_SEEDS must be a positive integer (got '$SEEDS')" ;; esac
case $SPLIT_SEED in ''|*[!0-9]*) die "SPLIT_SEED must be a non-negative integer (got '$SPLIT_SEED')" ;; esac
[ -x "$BACKPROP" ] || die "$BACKPROP is missing or not executable: run 'make' first (this script builds nothing)"
"$BACKPROP" train --help 2>/dev/null | grep -q -- '--test FILE' ||
    die "$BACKPROP does not train on CSV files (no --test option): rebuild it with 'make'"
[ -x "$PY" ] || die "$PY not found"
"$PY" -c 'import sklearn' 2>/dev/null ||
    die "scikit-learn missing: DEBIAN_FRONTEND=noninteractive apt-get install -y python3-sklearn"

mkdir -p "$DATA" bench/results
T0=$EPOCHREALTIME

# The data: scikit-learn's bundled copies, no network (make_data.py disables
# sockets; under unshare -n, when allowed, there is no network at all).
NONET=()
if unshare -n true 2>/dev/null; then NONET=(unshare -n); fi
"${NONET[@]}" "$PY" $HERE/make_data.py "$DATA" --split-seed "$SPLIT_SEED"

: > "$RAW"
# accuracy A % lines of backprop's output -> "train<TAB>test"
accuracies() { awk '/^train accuracy :/ {tr = $4} /^test accuracy :/ {te = $4}
                    END {if (tr == "" || te == "") exit 1; print tr "\t" te}'; }

run_backprop() {    # tool set seed lr epochs [extra options]
    local out acc tool=$1 set=$2 seed=$3 lr=$4 ep=$5
    shift 5
    out=$("$BACKPROP" train --data "$DATA/$set-train.csv" --test "$DATA/$set-test.csv" \
              "${BP_ARGS[@]}" --lr "$lr" --batch $BP_BATCH --epochs "$ep" --seed "$seed" \
              "$@" --quiet 2>"$DATA/stderr.txt") ||
        die "backprop failed on $set, seed $seed: $(cat "$DATA/stderr.txt")"
    acc=$(printf '%s\n' "$out" | accuracies) || die "no accuracy lines in backprop's output on $set"
    printf '%s\t%s\t%s\t%s\t%s\t1\n' "$tool" "$set" "$seed" "$acc" "$ep" >> "$RAW"
}

for set in $SETS; do
    say "$set: backprop, seeds 1..$SEEDS"
    for seed in $(seq 1 "$SEEDS"); do
        run_backprop backprop "$set" "$seed" $BP_LR $BP_EPOCHS
        run_backprop backprop-xavier "$set" "$seed" $BP_LR $BP_EPOCHS --init xavier
    done
    say "$set: scikit-learn: defaults; backprop's settings; backprop's settings and He init"
    for args in "--config default" "--config matched" "--config matched --init he"; do
        # shellcheck disable=SC2086
        "${NONET[@]}" "$PY" $HERE/sklearn_mlp.py "$DATA" $set --seeds "$SEEDS" $args >> "$RAW"
    done
done
if [ "$GRID" = 1 ]; then
    say "backprop's sensitivity grid (lr 0.003/0.01/0.03 x 100/200/500 epochs)"
    for set in $SETS; do for lr in 0.003 0.01 0.03; do for ep in 100 200 500; do
        for seed in $(seq 1 "$SEEDS"); do run_backprop "grid:$lr:$ep" "$set" "$seed" $lr $ep; done
    done; done; done
fi
SECONDS_TAKEN=$(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f", b - a}')

HEADER=$DATA/header.md
SK_VER=$("$PY" -c 'import sklearn; print(sklearn.__version__)')
NP_VER=$("$PY" -c 'import numpy; print(numpy.__version__)')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
BUILT=$(date -u -r "$BACKPROP" '+%Y-%m-%d %H:%M UTC')
CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)
cat > "$HEADER" <<MD
# Benchmark B: tabular accuracy, backprop against scikit-learn

Generated by \`bench/tabular/run.sh\` on $(date -u +%Y-%m-%d) ($($BACKPROP --version) built $BUILT,
source tree at commit $COMMIT,
scikit-learn $SK_VER, numpy $NP_VER, Python $("$PY" -c 'import platform; print(platform.python_version())'),
$(nproc) CPUs, $CPU); $SECONDS_TAKEN s.

Target: a 10,10 network within one point of scikit-learn's \`MLPClassifier(10,10)\` on the
same split. Data: scikit-learn's bundled copies of the UCI sets, split by
\`train_test_split(stratify=y, test_size=0.3, random_state=$SPLIT_SEED)\` into CSV files that both
tools read (\`bench/tabular/make_data.py\`). Test accuracy on the held-out 30 %, mean ± sample
standard deviation over seeds 1..$SEEDS (backprop \`--seed S\`, scikit-learn \`random_state=S\`).

- **backprop**: \`backprop train --data SET-train.csv --test SET-test.csv --hidden 10,10
  --activation relu --optimizer adam --lr $BP_LR --batch $BP_BATCH --epochs $BP_EPOCHS --seed S --quiet\`
  (features standardised on the training rows, the default; He-normal weights, zero biases;
  softmax + cross-entropy for 3 classes, sigmoid + the report's BCE for 2).
- **scikit-learn**: \`StandardScaler\` fitted on the training rows, then
  \`MLPClassifier(hidden_layer_sizes=(10, 10), max_iter=2000, random_state=S)\`: its defaults
  (relu, adam, learning_rate_init 1e-3, batch_size min(200, n), alpha 1e-4, Glorot-uniform
  weights), training until its own convergence test stops it (training loss not better by
  tol 1e-4 for 10 epochs); the "epochs" column shows where it stopped.
- **check rows**, to tell the implementation from the settings: scikit-learn with backprop's
  settings (learning_rate_init $BP_LR, batch_size $BP_BATCH, exactly $BP_EPOCHS epochs, alpha 0), once with
  its own Glorot-uniform weights and once from backprop's He-normal weights and zero biases
  (\`sklearn_mlp.py --config matched [--init he]\`); and backprop with \`--init xavier\`
  (N(0, 2/(in+out)): the variance of scikit-learn's Glorot-uniform weights).
MD
"$PY" $HERE/report.py "$RAW" "$DATA" "$HEADER" > "$RESULTS.tmp"
mv "$RESULTS.tmp" "$RESULTS"
cat "$RESULTS"
