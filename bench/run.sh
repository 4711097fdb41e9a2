#!/bin/bash
# bench/run.sh - benchmark A: the seed report's training run, backprop
# against the same network in numpy (the report's own code), PyTorch and FANN.
#
#   bench/run.sh                 (or: make bench)
#
# Environment:
#   BENCH_REPEATS   timed runs of every row (default 15)
#   BENCH_SEED      seed of the data and the initial weights (default 1)
#   BUILD           build directory holding backprop (default build)
#
# Every row trains the 2-10-10-1 sigmoid network for 5000 full-batch epochs
# on the same points from the same initial weights (numpy RandomState(seed)).
# Each row is run BENCH_REPEATS times, round-robin across rows, after one
# untimed warm-up run; the table shows the minimum and the median of the
# training time measured inside the process and of the whole process's wall
# time.  Ratios are peer / backprop from the minimums (> 1: backprop is
# faster) and are printed only where the accuracy equals backprop's.
# backprop's run takes about 20 ms, and on the shared machines measured one
# such run in three comes out 30-60 % slower than the rest (the same binary
# back to back): hence 15 runs a row, every row alike.
#
# Writes bench/results/seed.md and prints it.  Never part of `make test`.
set -eu
export LC_ALL=C

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
REPEATS=${BENCH_REPEATS:-15}
SEED=${BENCH_SEED:-1}
EPOCHS=5000
PY=/usr/bin/python3          # Debian's python3, where numpy and torch live
OUT=$BUILD/bench
RESULTS=bench/results/seed.md
BACKPROP=$BUILD/backprop

die() { echo "bench: $*" >&2; exit 2; }
say() { echo "bench: $*" >&2; }

case $REPEATS in ''|*[!0-9]*|0) die "BENCH_REPEATS must be a positive integer (got '$REPEATS')" ;; esac
case $SEED in ''|*[!0-9]*) die "BENCH_SEED must be a non-negative integer (got '$SEED')" ;; esac
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash >= 5 (EPOCHREALTIME)"

mkdir -p "$OUT/data" "$OUT/runs" bench/results

# The peers run without the machine's OpenBLAS tuning variables (they slow
# current numpy down) and with OpenBLAS pinned to one thread.  backprop runs
# with the environment it is given, as a user would run it.
PEER_ENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1)
PEER_ENV_TEXT="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1"

# ------------------------------------------------------------ what is there
HAVE_NUMPY=0 HAVE_TORCH=0 HAVE_FANN=0 HAVE_BACKPROP=0 HAVE_F32=0
NUMPY_VER=- TORCH_VER=- BLAS=unknown
if [ -x "$PY" ] && "${PEER_ENV[@]}" "$PY" -c 'import numpy' 2>/dev/null; then
    HAVE_NUMPY=1
    NUMPY_VER=$("$PY" -c 'import numpy; print(numpy.__version__)')
else
    say "numpy missing: apt-get install python3-numpy (numpy, torch and FANN rows skipped)"
fi
if [ $HAVE_NUMPY = 1 ] && "${PEER_ENV[@]}" "$PY" -c 'import torch' 2>/dev/null; then
    HAVE_TORCH=1
    TORCH_VER=$("$PY" -c 'import torch; print(torch.__version__)')
else
    say "torch missing: apt-get install python3-torch (torch row skipped)"
fi
if [ $HAVE_NUMPY = 1 ] && [ -f /usr/include/doublefann.h ]; then
    say "building $OUT/seed_fann"
    if cc -O2 -std=c11 -Wall -Wextra bench/peers/seed_fann.c \
          -o "$OUT/seed_fann" -ldoublefann -lm; then
        HAVE_FANN=1
    else
        say "seed_fann did not build (FANN rows skipped)"
    fi
else
    say "FANN missing: apt-get install libfann-dev (FANN rows skipped)"
fi
if [ -x "$BACKPROP" ]; then
    HAVE_BACKPROP=1
    if "$BACKPROP" train --help 2>&1 | grep -q -- '--dtype'; then HAVE_F32=1; fi
else
    say "$BACKPROP not built: its rows show n/a (run make first)"
fi

# ------------------------------------------------------------------ rows
# A row is "id|peer|settings"; row_cmd fills CMD for a row and a data set.
# FANN's extra row uses the smallest learning rate found (seed 1) at which
# its batch training reaches 100% on XOR in 5000 epochs; with lr 0.1 it
# needs ~8500 epochs (see bench/README.md).
FANN_TUNED_LR=0.2
row_list() {
    local d=$1 c="peer env"
    if [ $HAVE_BACKPROP = 1 ]; then
        echo "backprop|backprop|f64|$BP_THREADS|inherited|train --preset seed --init numpy --seed $SEED; $BP_LINK"
    else
        echo "backprop|backprop|-|-|-|not built"
    fi
    [ $HAVE_F32 = 1 ] && echo "backprop_f32|backprop --dtype f32|f32|$BP_THREADS|inherited|as backprop, --dtype f32"
    echo "numpy|numpy (the seed's code)|f64|1 (OpenBLAS)|$c|numpy $NUMPY_VER, feature-major, no bias"
    echo "torch|PyTorch|f64|1 (set_num_threads)|$c|torch $TORCH_VER, nn.Linear(bias=False), autograd, optim.SGD(momentum=0.9)"
    echo "fann|FANN|f64|1|$c|batch, lr 0.1, no momentum (FANN batch has none), biases, FANN MSE loss, numpy init"
    [ "$d" = xor ] && echo "fann_tuned|FANN, lr $FANN_TUNED_LR|f64|1|$c|as FANN but lr $FANN_TUNED_LR: the smallest tried that reaches 100% in 5000 epochs"
    echo "fann_own|FANN, own init|f64|1|$c|as FANN but FANN's init: uniform [-0.1, 0.1] after srand(seed)"
    return 0
}

row_available() {
    case $1 in
        backprop) [ $HAVE_BACKPROP = 1 ] ;;
        backprop_f32) [ $HAVE_F32 = 1 ] ;;
        numpy) [ $HAVE_NUMPY = 1 ] ;;
        torch) [ $HAVE_TORCH = 1 ] ;;
        fann*) [ $HAVE_FANN = 1 ] ;;
        *) return 1 ;;
    esac
}

row_cmd() {
    local id=$1 d=$2
    local fann=("${PEER_ENV[@]}" "$OUT/seed_fann" --train "$OUT/data/$d.data" --epochs "$EPOCHS")
    case $id in
        backprop) CMD=("$BACKPROP" train --preset seed --data "$d" --init numpy --seed "$SEED" --quiet --timing) ;;
        backprop_f32) CMD=("$BACKPROP" train --preset seed --data "$d" --init numpy --seed "$SEED" --quiet --timing --dtype f32) ;;
        numpy) CMD=("${PEER_ENV[@]}" "$PY" bench/peers/seed_numpy.py --data "$d" --seed "$SEED" --epochs "$EPOCHS") ;;
        torch) CMD=("${PEER_ENV[@]}" "$PY" bench/peers/seed_torch.py --data "$d" --seed "$SEED" --epochs "$EPOCHS") ;;
        fann) CMD=("${fann[@]}" --weights "$OUT/data/weights.txt" --lr 0.1) ;;
        fann_tuned) CMD=("${fann[@]}" --weights "$OUT/data/weights.txt" --lr "$FANN_TUNED_LR") ;;
        fann_own) CMD=("${fann[@]}" --seed "$SEED" --lr 0.1) ;;
    esac
}

# Parse one run's output into "train_seconds accuracy final_loss"
# ("-" for what is missing).
parse_run() {
    local id=$1 out=$2 err=$3 t acc loss
    case $id in
        backprop*)
            t=$(sed -n 's/^backprop: trained [0-9]* epochs in \([0-9.eE+-]*\) s.*/\1/p' "$err" | tail -n 1)
            acc=$(sed -n 's/^accuracy : *\([0-9.eE+-]*\) *%.*/\1/p' "$out" | tail -n 1)
            loss=$(sed -n 's/^.*loss *: *\([0-9.eE+-]*\).*$/\1/p' "$out" "$err" | tail -n 1) ;;
        *)
            t=$(awk '$1 == "train_seconds" { print $2 }' "$out")
            acc=$(awk '$1 == "accuracy" { print $2 }' "$out")
            loss=$(awk '$1 == "final_loss" { print $2 }' "$out") ;;
    esac
    echo "${t:--} ${acc:--} ${loss:--}"
}

# ---------------------------------------------------------------- running
BP_LINK="no BLAS linked" BP_THREADS="-"
if [ $HAVE_BACKPROP = 1 ]; then
    BP_LIBS=$(ldd "$BACKPROP" 2>/dev/null || true)
    if echo "$BP_LIBS" | grep -qi blas; then
        BP_LINK="links $(echo "$BP_LIBS" | awk 'tolower($1) ~ /blas/ { print $1; exit }')"
        BP_THREADS="its own (OpenBLAS: ${OPENBLAS_NUM_THREADS:-all cores})"
    elif echo "$BP_LIBS" | grep -q libgomp; then
        BP_LINK="links libgomp"; BP_THREADS="its own (OpenMP: ${OMP_NUM_THREADS:-all cores})"
    else
        BP_THREADS="1 (no BLAS or OpenMP linked)"
    fi
fi
env_value() { if [ -n "${!1+x}" ]; then echo "$1=${!1}"; else echo "$1 unset"; fi; }
BP_ENV_TEXT="$(env_value OPENBLAS_CORETYPE), $(env_value OPENBLAS_L2_SIZE), $(env_value OPENBLAS_NUM_THREADS)"

if [ $HAVE_NUMPY = 1 ]; then
    for d in linear xor; do
        "$PY" bench/peers/seed_numpy.py --data $d --seed "$SEED" \
            --export-fann "$OUT/data/$d.data" --export-weights "$OUT/data/weights.txt"
    done
    BLAS=$("${PEER_ENV[@]}" "$PY" bench/peers/seed_numpy.py --data xor --epochs 0 | awk '$1 == "blas" { $1 = ""; sub(/^ /, ""); print }')
fi

# run_row ID DATA TAG: one run; appends "train process acc loss status" to
# $OUT/runs/DATA.ID (status 0, or the exit code / "noparse").
run_row() {
    local id=$1 d=$2 tag=$3 out err t0 t1 rc=0
    row_cmd "$id" "$d"
    out=$OUT/runs/$d.$id.$tag.out
    err=$OUT/runs/$d.$id.$tag.err
    t0=$EPOCHREALTIME
    "${CMD[@]}" >"$out" 2>"$err" || rc=$?
    t1=$EPOCHREALTIME
    [ "$tag" = warmup ] && return 0
    local proc parsed
    proc=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
    parsed=$(parse_run "$id" "$out" "$err")
    local train acc loss
    read -r train acc loss <<<"$parsed"
    if [ $rc != 0 ]; then
        echo "- $proc - - exit$rc" >>"$OUT/runs/$d.$id"
    elif [ "$train" = - ] || [ "$acc" = - ]; then
        echo "- $proc - - noparse" >>"$OUT/runs/$d.$id"
    else
        echo "$train $proc $acc $loss 0" >>"$OUT/runs/$d.$id"
    fi
}

# min and median of column $2 of file $1 ("-" when empty)
stat_min() { awk -v c="$2" '$c != "-" { print $c }' "$1" | sort -g | head -n 1; }
stat_median() {
    awk -v c="$2" '$c != "-" { print $c }' "$1" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "-";
              else if (NR % 2) print v[(NR + 1) / 2];
              else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
fmt_s() { case $1 in -|'') echo "-" ;; *) awk -v x="$1" 'BEGIN { printf "%.4f", x }' ;; esac; }
ratio() {  # peer backprop
    awk -v p="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", p / b; else print "n/a" }'
}
same_acc() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(d < 0.05 && d > -0.05) }'; }

START=$EPOCHREALTIME
TABLES=""
for d in linear xor; do
    mapfile -t ROWS < <(row_list $d)
    for row in "${ROWS[@]}"; do
        id=${row%%|*}
        rm -f "$OUT/runs/$d.$id" "$OUT/runs/$d.$id."*.out "$OUT/runs/$d.$id."*.err
    done
    say "$d: warm-up, then $REPEATS timed runs of each row"
    for row in "${ROWS[@]}"; do
        id=${row%%|*}
        if row_available "$id"; then run_row "$id" $d warmup; fi
    done
    for r in $(seq 1 "$REPEATS"); do
        for row in "${ROWS[@]}"; do
            id=${row%%|*}
            if row_available "$id"; then run_row "$id" $d "$r"; fi
        done
    done

    # backprop's final loss: --quiet hides it, so one untimed run that
    # logs only the last epoch (tolerated to fail: the column shows "-")
    BP_LOSS=-
    if [ $HAVE_BACKPROP = 1 ]; then
        BP_LOSS=$("$BACKPROP" train --preset seed --data $d --init numpy --seed "$SEED" \
                      --log-every $EPOCHS 2>/dev/null |
                  sed -n "s/^epoch $EPOCHS loss : *\([0-9.eE+-]*\).*/\1/p" | tail -n 1) || true
        BP_LOSS=${BP_LOSS:--}
    fi

    # backprop's numbers, the reference of the ratios
    BP_ACC="" BP_TRAIN="" BP_PROC="" BP_WHY="no backprop"
    f=$OUT/runs/$d.backprop
    if [ -s "$f" ]; then
        if awk '$5 != 0 { bad = 1 } END { exit !bad }' "$f"; then
            BP_WHY="backprop run failed"
        else
            BP_ACC=$(awk 'NR == 1 { print $3 }' "$f")
            BP_TRAIN=$(stat_min "$f" 1)
            BP_PROC=$(stat_min "$f" 2)
        fi
    fi

    n_points=100; [ $d = xor ] && n_points=21
    T="### $d data ($n_points points, $EPOCHS epochs, seed $SEED)"$'\n\n'
    T+="| peer | dtype | threads | env | settings | accuracy % | final loss | train s min | train s median | µs/epoch | process s min | process s median | train ratio | process ratio |"$'\n'
    T+="|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"$'\n'
    for row in "${ROWS[@]}"; do
        IFS='|' read -r id label dtype threads penv settings <<<"$row"
        label="$label | $dtype | $threads | $penv"
        f=$OUT/runs/$d.$id
        if ! row_available "$id"; then
            T+="| $label | $settings | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |"$'\n'
            continue
        fi
        fails=$(awk '$5 != 0 { print $5 }' "$f" | sort -u | tr '\n' ' ')
        if [ -n "$fails" ]; then
            why=$(head -n 1 "$OUT/runs/$d.$id.1.err" 2>/dev/null | tr '|' '/' | cut -c1-120)
            T+="| $label | $settings | n/a (${fails% }: ${why:-no output}) | | | | | | | | |"$'\n'
            continue
        fi
        accs=$(awk '{ print $3 }' "$f" | sort -u)
        acc=$(echo "$accs" | head -n 1)
        acc_text=$(awk -v a="$acc" 'BEGIN { printf "%.2f", a }')
        varies=0
        if [ "$(echo "$accs" | wc -l)" -gt 1 ]; then varies=1; acc_text="varies: $(echo "$accs" | tr '\n' ' ')"; fi
        loss=$(awk 'NR == 1 { print $4 }' "$f")
        [ "$id" = backprop ] && [ "$loss" = - ] && loss=$BP_LOSS
        [ "$loss" != - ] && loss=$(awk -v x="$loss" 'BEGIN { printf "%.6g", x }')
        tmin=$(stat_min "$f" 1); tmed=$(stat_median "$f" 1)
        pmin=$(stat_min "$f" 2); pmed=$(stat_median "$f" 2)
        per_epoch=$(awk -v t="$tmin" -v e=$EPOCHS 'BEGIN { u = 1e6 * t / e; printf (u < 10 ? "%.2f" : "%.1f"), u }')
        if [ "$id" = backprop ]; then
            tr_ratio="1 (reference)"; pr_ratio="1 (reference)"
        elif [ -z "$BP_ACC" ]; then
            tr_ratio="n/a ($BP_WHY)"; pr_ratio="n/a ($BP_WHY)"
        elif [ $varies = 1 ] || ! same_acc "$acc" "$BP_ACC"; then
            tr_ratio="n/a (accuracy differs)"; pr_ratio="n/a (accuracy differs)"
        else
            tr_ratio=$(ratio "$tmin" "$BP_TRAIN"); pr_ratio=$(ratio "$pmin" "$BP_PROC")
        fi
        T+="| $label | $settings | $acc_text | $loss | $(fmt_s "$tmin") | $(fmt_s "$tmed") | $per_epoch | $(fmt_s "$pmin") | $(fmt_s "$pmed") | $tr_ratio | $pr_ratio |"$'\n'
    done
    TABLES+="$T"$'\n'
done
ELAPSED=$(awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')

# Where a backprop epoch goes: bench/kernels_bench.c times every kernel of
# the seed network's epoch alone, for each instruction set the CPU runs
# (best of many short bursts), against the library in $BUILD.
KERNELS=""
if [ $HAVE_BACKPROP = 1 ] && [ -f "$BUILD/libbackprop.a" ]; then
    say "building $OUT/kernels_bench"
    if cc -O2 -std=c11 -Iinclude -Isrc bench/kernels_bench.c "$BUILD/libbackprop.a" \
          $(pkg-config --libs libcjson 2>/dev/null || echo -lcjson) -lm \
          -o "$OUT/kernels_bench" 2>"$OUT/kernels_bench.err"; then
        KERNELS=$("$OUT/kernels_bench" --data linear && echo && "$OUT/kernels_bench" --data xor) || KERNELS=""
    else
        say "kernels_bench did not build (see $OUT/kernels_bench.err)"
    fi
fi

CPU=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
{
    echo "# Benchmark A: the seed report's training run"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: ${CPU:-unknown CPU}, $(nproc) cores, Linux $(uname -r)"
    echo "- network 2-10-10-1, sigmoid hidden and output, full batch, $EPOCHS epochs, lr 0.1, momentum 0.9 (FANN: none, see README), data and initial weights from numpy RandomState($SEED)"
    echo "- timed runs per row: $REPEATS after one warm-up, round-robin; train s = training loop timed inside the process; process s = whole command, wall clock (interpreter start-up and imports included)"
    echo "- ratio = peer min / backprop min (> 1: backprop faster); printed only where accuracies are equal"
    echo "- numpy $NUMPY_VER, BLAS in use: $BLAS; pinned with OPENBLAS_NUM_THREADS=1"
    echo "- torch $TORCH_VER (CPU), FANN $(dpkg-query -W -f='${Version}' libfann-dev 2>/dev/null || echo '?') built with cc -O2"
    echo "- env: \"peer env\" = \`$PEER_ENV_TEXT\` (the calling environment had $BP_ENV_TEXT); \"inherited\" = the calling environment unchanged"
    echo
    printf '%s' "$TABLES"
    echo "Total benchmark time ${ELAPSED} s. Raw runs: $OUT/runs/."
    if [ -n "$KERNELS" ]; then
        echo
        echo "### Where a backprop epoch goes (bench/kernels_bench.c)"
        echo
        echo "Each kernel of one epoch of the seed network timed alone, per instruction set (naive: the reference kernels with libm), best of many short bursts, µs per epoch; the last line is a whole bp_trainer_epoch (kernels, optimizer step and checks) with the instruction set the library picks."
        echo
        echo '```'
        printf '%s\n' "$KERNELS"
        echo '```'
    fi
} >"$RESULTS"
cat "$RESULTS"
say "wrote $RESULTS"
