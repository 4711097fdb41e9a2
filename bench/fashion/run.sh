#!/bin/bash
# bench/fashion/run.sh - benchmark D (the issue's "benchmark B"; B in
# bench/README.md is the tabular one): the Fashion-MNIST MLP, backprop against
# the same network in PyTorch, at 1 and 2 threads.
#
#   bench/fashion/run.sh            (or: make bench-fashion; make bench runs it too)
#   E=10 R=5 bench/fashion/run.sh   more epochs per run, more timed runs per row
#
# Environment:
#   E or FASHION_EPOCHS      epochs of every run (default 5)
#   R or FASHION_REPEATS     timed runs of every row (default 3)
#   FASHION_THREADS          thread counts (default "1 2")
#   FASHION_REPORT_ONLY=1    no runs: the tables again from the last runs'
#                            raw files in $BUILD/bench/fashion/runs/
#   FASHION_LR               learning rate of both (default 0.05)
#   FASHION_SEED             seed of the first repeat's weights and batch order;
#                            repeat r uses FASHION_SEED + r - 1 (default 1)
#   FASHION_TORCH_ENV        extra VAR=VALUE words for the PyTorch processes only,
#                            e.g. OMP_WAIT_POLICY=PASSIVE (default none; shown in the table)
#   FASHION_RESULTS          where the table goes (default bench/results/fashion.md)
#   BUILD                    build directory holding backprop (default build)
#
# Both train 784-256-128-10, ReLU hidden, softmax output with cross-entropy,
# He-normal weights and zero biases, mini-batches of 128 reshuffled every
# epoch, SGD with momentum 0.9, on Debian's dataset-fashion-mnist (pixels /
# 255, 60 000 training and 10 000 test images).  Every row runs R times,
# round-robin across rows.  Reported per row: seconds per epoch (training
# loop only, timed inside the process: backprop's --timing line, the peer's
# perf_counter), whole-process wall time, peak resident memory (GNU time
# %M), test accuracy; minimum and median over the runs.  Ratios come from
# the minimums and are refused when the test accuracies differ by more than
# 1.5 points.  Raw runs go to $BUILD/bench/fashion/.  Never part of make test.
set -eu
export LC_ALL=C

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
EPOCHS=${FASHION_EPOCHS:-${E:-5}}
REPEATS=${FASHION_REPEATS:-${R:-3}}
THREADS_LIST=${FASHION_THREADS:-1 2}
LR=${FASHION_LR:-0.05}
SEED=${FASHION_SEED:-1}
read -r -a TORCH_EXTRA_ENV <<<"${FASHION_TORCH_ENV:-}"
RESULTS=${FASHION_RESULTS:-bench/results/fashion.md}
PY=/usr/bin/python3          # Debian's python3, where torch lives
GNU_TIME=/usr/bin/time
DATA_DIR=/usr/share/datasets/fashion-mnist
OUT=$BUILD/bench/fashion
SRC_BP=$BUILD/backprop
ACC_TOLERANCE=1.5            # points of test accuracy beyond which no ratio

die() { echo "bench-fashion: $*" >&2; exit 2; }
say() { echo "bench-fashion: $*" >&2; }

case $EPOCHS in ''|*[!0-9]*|0) die "E / FASHION_EPOCHS must be a positive integer (got '$EPOCHS')" ;; esac
case $REPEATS in ''|*[!0-9]*|0) die "R / FASHION_REPEATS must be a positive integer (got '$REPEATS')" ;; esac
case $SEED in ''|*[!0-9]*) die "FASHION_SEED must be a non-negative integer (got '$SEED')" ;; esac
for t in $THREADS_LIST; do case $t in *[!0-9]*|0*) die "FASHION_THREADS must list positive integers (got '$THREADS_LIST')" ;; esac; done
awk -v x="$LR" 'BEGIN { exit !(x + 0 > 0) }' || die "FASHION_LR must be > 0 (got '$LR')"
for w in "${TORCH_EXTRA_ENV[@]}"; do
    case $w in [A-Za-z_]*=*) ;; *) die "FASHION_TORCH_ENV takes VAR=VALUE words (got '$w')" ;; esac
done
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash >= 5 (EPOCHREALTIME)"
[ -x "$GNU_TIME" ] && "$GNU_TIME" -f %M -o /dev/null true 2>/dev/null ||
    die "needs GNU time at $GNU_TIME for the peak memory: apt-get install time (scripts/deps.sh bench)"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ -r "$DATA_DIR/$f.gz" ] || die "$DATA_DIR/$f.gz missing: apt-get install dataset-fashion-mnist (make deps)"
done

mkdir -p "$OUT/runs" "$(dirname "$RESULTS")"
# backprop runs from a private copy: a relink of build/backprop by someone
# else during the benchmark must not change what is measured.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/backprop-fashion.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
BP=$WORK/backprop

# ------------------------------------------------------------ what is there
# The peer runs without the machine's OpenBLAS tuning variables and with
# OpenBLAS pinned to the peer's thread count: Debian's torch does its matrix
# products in OpenBLAS (pthreads), whose pool ignores torch.set_num_threads
# and would otherwise use every core.  backprop runs with the environment it
# is given, as a user would run it.
peer_env_text() { echo "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=$1${TORCH_EXTRA_ENV[*]:+ ${TORCH_EXTRA_ENV[*]}}"; }
env_value() { if [ -n "${!1+x}" ]; then echo "$1=${!1}"; else echo "$1 unset"; fi; }
CALLER_ENV="$(env_value OPENBLAS_CORETYPE), $(env_value OPENBLAS_L2_SIZE), $(env_value OPENBLAS_NUM_THREADS), $(env_value OMP_NUM_THREADS), $(env_value OMP_WAIT_POLICY)"

HAVE_BP=0 HAVE_F32=0 HAVE_THREADS=0 HAVE_TORCH=0
BP_VER=- BP_SUM=- TORCH_VER=- NUMPY_VER=-
if [ -x "$SRC_BP" ]; then
    cp "$SRC_BP" "$BP"
    HAVE_BP=1
    BP_VER=$("$BP" --version 2>/dev/null | head -n 1 || true)
    BP_SUM=$(sha256sum "$BP" | cut -c1-12)
    BP_HELP=$("$BP" train --help 2>&1 || true)
    if echo "$BP_HELP" | grep -q -- '--dtype'; then HAVE_F32=1; fi
    if echo "$BP_HELP" | grep -q -- '--threads'; then HAVE_THREADS=1; fi
    [ $HAVE_F32 = 1 ] || say "backprop train has no --dtype yet: it trains in double precision"
    [ $HAVE_THREADS = 1 ] || say "backprop train has no --threads yet: its rows above 1 thread show n/a"
else
    say "$SRC_BP not built: its rows show n/a (run make first)"
fi
if "$PY" -c 'import torch, numpy' 2>/dev/null; then
    HAVE_TORCH=1
    TORCH_VER=$("$PY" -c 'import torch; print(torch.__version__)')
    NUMPY_VER=$("$PY" -c 'import numpy; print(numpy.__version__)')
else
    say "torch or numpy missing for $PY: apt-get install python3-torch (PyTorch rows show n/a)"
fi
PY_VER=$("$PY" -c 'import platform; print(platform.python_version())' 2>/dev/null || echo '?')
GIT_REV=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
if [ -n "$(git --no-optional-locks status --porcelain -- src cli include Makefile 2>/dev/null | head -n 1)" ]; then
    GIT_REV="$GIT_REV + uncommitted changes in src/cli/include"
fi

BP_DTYPE=f64; [ $HAVE_F32 = 1 ] && BP_DTYPE=f32
BP_ARGS=(train --data fashion-mnist --hidden "256,128" --activation relu --init he
         --optimizer momentum --momentum 0.9 --lr "$LR" --batch 128 --epochs "$EPOCHS"
         --no-standardize --seed "$SEED" --timing)
if [ $HAVE_F32 = 1 ]; then BP_ARGS+=(--dtype f32); fi
PEER_ARGS=(bench/peers/torch_fashion.py --epochs "$EPOCHS" --lr "$LR" --momentum 0.9
           --batch 128 --seed "$SEED")

# ------------------------------------------------------------------ rows
ROWS=()
for t in $THREADS_LIST; do ROWS+=("bp$t" "torch$t"); done
# PyTorch's matrix products run in OpenBLAS, whose own pool ignores
# torch.set_num_threads: "torchob" is one torch thread with OpenBLAS on
# the most cores listed, the fastest PyTorch setting on this machine
TMAX=$(echo $THREADS_LIST | awk '{ print $NF }')
[ "$TMAX" = 1 ] || ROWS+=("torchob")
row_threads() { case $1 in torchob) echo "$TMAX" ;; *) echo "${1//[!0-9]/}" ;; esac; }
# how a row's threads are described in the ratios
row_name() { case $1 in torchob) echo "1 torch thread, OpenBLAS $TMAX" ;; *) echo "$(row_threads "$1")T" ;; esac; }
row_label() {
    case $1 in
        bp*) echo "backprop" ;;
        torch*) echo "PyTorch" ;;
    esac
}
# why a row cannot run ("" when it can)
row_missing() {
    local t; t=$(row_threads "$1")
    case $1 in
        bp*) if [ $HAVE_BP = 0 ]; then echo "backprop not built"
             elif [ $HAVE_THREADS = 0 ] && [ "$t" != 1 ]; then echo "train has no --threads yet"; fi ;;
        torch*) [ $HAVE_TORCH = 1 ] || echo "torch not installed" ;;
    esac
}
row_cmd() {
    local t; t=$(row_threads "$1")
    case $1 in
        bp*) CMD=("$BP" "${BP_ARGS[@]}")
             if [ $HAVE_THREADS = 1 ]; then CMD+=(--threads "$t"); fi ;;
        torchob) CMD=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$t"
                     "${TORCH_EXTRA_ENV[@]}" "$PY" "${PEER_ARGS[@]}" --threads 1) ;;
        torch*) CMD=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$t"
                     "${TORCH_EXTRA_ENV[@]}" "$PY" "${PEER_ARGS[@]}" --threads "$t") ;;
    esac
    return 0
}
row_settings() {
    local t; t=$(row_threads "$1")
    case $1 in
        bp*) if [ $HAVE_THREADS = 1 ]; then echo "--threads $t"; else echo "no --threads option (one thread)"; fi ;;
        torchob) echo "set_num_threads(1), $(peer_env_text "$t")" ;;
        torch*) echo "set_num_threads($t), $(peer_env_text "$t")" ;;
    esac
}

# Parse one run into "train_seconds test_accuracy final_loss" ("-" if missing).
parse_run() {
    local id=$1 out=$2 err=$3 t acc loss
    case $id in
        bp*)
            t=$(sed -n 's/^backprop: trained [0-9]* epochs in \([0-9.eE+-]*\) s.*/\1/p' "$err" | tail -n 1)
            acc=$(sed -n 's/^test accuracy : *\([0-9.eE+-]*\) *%.*/\1/p' "$out" | tail -n 1)
            loss=$(sed -n 's/^epoch [0-9]* loss : *\([0-9.eE+-]*\).*/\1/p' "$out" | tail -n 1) ;;
        *)
            t=$(awk '$1 == "train_seconds" { print $2 }' "$out")
            acc=$(awk '$1 == "test_accuracy" { print $2 }' "$out")
            loss=$(awk '$1 == "final_loss" { print $2 }' "$out") ;;
    esac
    echo "${t:--} ${acc:--} ${loss:--}"
}

# run_row ID TAG: one run; appends to $OUT/runs/ID the line
# "train_s process_s accuracy loss peak_kib cpu_s load1 status".
run_row() {
    local id=$1 tag=$2 out err tf t0 t1 rc=0 load1
    row_cmd "$id"
    # repeat r trains from seed SEED + r - 1 (both tools), so that the
    # accuracies compare over several starting points, not one
    CMD+=(--seed "$((SEED + tag - 1))")
    out=$OUT/runs/$id.$tag.out err=$OUT/runs/$id.$tag.err tf=$OUT/runs/$id.$tag.time
    load1=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo -)
    t0=$EPOCHREALTIME
    "$GNU_TIME" -f '%M %U %S' -o "$tf" "${CMD[@]}" >"$out" 2>"$err" || rc=$?
    t1=$EPOCHREALTIME
    local proc train acc loss rss usr sys cpu
    proc=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
    read -r train acc loss <<<"$(parse_run "$id" "$out" "$err")"
    read -r rss usr sys <<<"$(tail -n 1 "$tf")"
    cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    if [ $rc != 0 ]; then
        echo "- $proc - - ${rss:--} $cpu $load1 exit$rc" >>"$OUT/runs/$id"
    elif [ "$train" = - ] || [ "$acc" = - ]; then
        echo "- $proc - - ${rss:--} $cpu $load1 noparse" >>"$OUT/runs/$id"
    else
        echo "$train $proc $acc $loss $rss $cpu $load1 0" >>"$OUT/runs/$id"
    fi
    say "  $id run $tag: $(awk -v t="$train" -v e="$EPOCHS" 'BEGIN { if (t == "-") print "failed"; else printf "%.3f s/epoch", t / e }'), accuracy $acc %, process ${proc%????} s, load $load1"
}

# statistics of column C of a runs file over the successful runs
col() { awk -v c="$2" '$8 == "0" && $c != "-" { print $c }' "$1"; }
stat_min() { col "$1" "$2" | sort -g | head -n 1; }
stat_median() {
    col "$1" "$2" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "-";
              else if (NR % 2) print v[(NR + 1) / 2];
              else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
per_epoch() { awk -v t="$1" -v e="$EPOCHS" 'BEGIN { printf "%.4f", t / e }'; }
fmt() { case $2 in -|'') echo "-" ;; *) awk -v x="$2" -v f="$1" 'BEGIN { printf f, x }' ;; esac; }

# ---------------------------------------------------------------- running
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
[ "${FASHION_REPORT_ONLY:-0}" = 1 ] ||
    for id in "${ROWS[@]}"; do rm -f "$OUT/runs/$id" "$OUT/runs/$id".*; done
# warm the page cache and the interpreter's imports (untimed)
cat "$DATA_DIR"/*.gz >/dev/null
if [ $HAVE_TORCH = 1 ]; then "$PY" -c 'import torch' 2>/dev/null || true; fi
START=$EPOCHREALTIME
say "$EPOCHS epochs a run, $REPEATS timed runs of each row, round-robin; load $LOAD_START"
[ "${FASHION_REPORT_ONLY:-0}" = 1 ] && REPEATS_RUN=0 || REPEATS_RUN=$REPEATS
for r in $(seq 1 "$REPEATS_RUN"); do
    for id in "${ROWS[@]}"; do
        if [ -z "$(row_missing "$id")" ]; then run_row "$id" "$r"; fi
    done
done
ELAPSED=$(awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f s", b - a }')
[ "${FASHION_REPORT_ONLY:-0}" = 1 ] && ELAPSED="not known (tables redrawn from earlier runs)"
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')

# ------------------------------------------------------------- per-row stats
# per row id: min/median s/epoch, process s, peak MiB; mean accuracy...
declare -A EP_MIN EP_MED PR_MIN PR_MED MEM_MIN MEM_MED ACC ACC_SD ACC_N LOSS CPU_MED LOADS WHY OK ACC_TEXT_VARIES
for id in "${ROWS[@]}"; do
    OK[$id]=0
    WHY[$id]=$(row_missing "$id")
    f=$OUT/runs/$id
    [ -n "${WHY[$id]}" ] && continue
    if [ ! -s "$f" ] || awk '$8 != "0" { bad = 1 } END { exit !bad }' "$f"; then
        fails=$(awk '$8 != "0" { print $8 }' "$f" 2>/dev/null | sort -u | tr '\n' ' ')
        msg=$(grep -v '^Training' "$OUT/runs/$id.1.err" 2>/dev/null | tail -n 1 | tr '|' '/' | cut -c1-100)
        WHY[$id]="failed (${fails% }): ${msg:-no output}"
        continue
    fi
    OK[$id]=1
    EP_MIN[$id]=$(per_epoch "$(stat_min "$f" 1)")
    EP_MED[$id]=$(per_epoch "$(stat_median "$f" 1)")
    PR_MIN[$id]=$(stat_min "$f" 2)
    PR_MED[$id]=$(stat_median "$f" 2)
    MEM_MIN[$id]=$(awk -v k="$(stat_min "$f" 5)" 'BEGIN { printf "%.0f", k / 1024 }')
    MEM_MED[$id]=$(awk -v k="$(stat_median "$f" 5)" 'BEGIN { printf "%.0f", k / 1024 }')
    # accuracy: mean and sample standard deviation over the repeats' seeds
    read -r a_mean a_sd a_n <<<"$(col "$f" 3 | awk '
        { v[NR] = $1; s += $1 } END { m = s / NR; for (i = 1; i <= NR; i++) q += (v[i] - m) ^ 2
          printf "%.4f %.4f %d\n", m, (NR > 1 ? sqrt(q / (NR - 1)) : 0), NR }')"
    ACC[$id]=$a_mean ACC_SD[$id]=$a_sd ACC_N[$id]=$a_n
    # every run's, two decimals (backprop prints 8754/10000 as 87.53999999999999)
    accs=$(col "$f" 3 | sort -g | awk '{ printf "%.2f ", $1 }')
    if [ "$(echo "$accs" | tr ' ' '\n' | sort -u | grep -c .)" -gt 1 ]; then ACC_TEXT_VARIES[$id]="${accs% }"; fi
    LOSS[$id]=$(stat_median "$f" 4)
    CPU_MED[$id]=$(stat_median "$f" 6)
    LOADS[$id]="$(stat_min "$f" 7)-$(stat_median "$f" 7 | awk '{ printf "%.2f", $1 }')"
done

ok() { [ "${OK[$1]:-0}" = 1 ]; }
acc_close() { awk -v a="${ACC[$1]}" -v b="${ACC[$2]}" -v t="$ACC_TOLERANCE" 'BEGIN { d = a - b; exit !(d <= t && d >= -t) }'; }
# ratio NUM_ID DEN_ID ARRAY: NUM/DEN of an array's values, or why not
ratio() {
    local a=$1 b=$2 arr=$3
    if ! ok "$a"; then echo "n/a ($(row_label "$a") $(row_threads "$a")T: ${WHY[$a]:-no runs})"; return; fi
    if ! ok "$b"; then echo "n/a ($(row_label "$b") $(row_threads "$b")T: ${WHY[$b]:-no runs})"; return; fi
    if ! acc_close "$a" "$b"; then echo "accuracy differs"; return; fi
    local -n v=$arr
    awk -v x="${v[$a]}" -v y="${v[$b]}" 'BEGIN { if (y > 0) printf "%.2f", x / y; else print "n/a" }'
}

# PyTorch's best thread count: its smallest minimum epoch time
TORCH_BEST=""
for id in "${ROWS[@]}"; do
    case $id in torch*) ;; *) continue ;; esac
    ok "$id" || continue
    if [ -z "$TORCH_BEST" ] || awk -v a="${EP_MIN[$id]}" -v b="${EP_MIN[$TORCH_BEST]}" 'BEGIN { exit !(a < b) }'; then
        TORCH_BEST=$id
    fi
done
set -- $THREADS_LIST
T1=$1 T2=${2:-}

# ------------------------------------------------------------------ tables
ROWS_MD="| run | dtype | threads | environment | test accuracy % (mean ± sd over the seeds) | final train loss | s/epoch min | s/epoch median | process s min | process s median | peak MiB min | peak MiB median | process CPU s median | load at start (min-median) |"$'\n'
ROWS_MD+="|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"$'\n'
for id in "${ROWS[@]}"; do
    t=$(row_threads "$id")
    case $id in
        bp*) dt=$BP_DTYPE envt="inherited" ;;
        torch*) dt=f32 envt="\`$(peer_env_text "$t")\`" ;;
    esac
    label="$(row_label "$id") | $dt | $(row_settings "$id" | sed 's/, env .*//') | $envt"
    if ! ok "$id"; then
        ROWS_MD+="| $label | n/a (${WHY[$id]}) | | | | | | | | | |"$'\n'
        continue
    fi
    acc_text="$(fmt %.2f "${ACC[$id]}") ± $(fmt %.2f "${ACC_SD[$id]}")"
    [ -n "${ACC_TEXT_VARIES[$id]:-}" ] && acc_text="$acc_text (runs: ${ACC_TEXT_VARIES[$id]})"
    ROWS_MD+="| $label | $acc_text | $(fmt %.4f "${LOSS[$id]}") | ${EP_MIN[$id]} | ${EP_MED[$id]} | $(fmt %.2f "${PR_MIN[$id]}") | $(fmt %.2f "${PR_MED[$id]}") | ${MEM_MIN[$id]} | ${MEM_MED[$id]} | ${CPU_MED[$id]} | ${LOADS[$id]} |"$'\n'
done

best_text="n/a (no PyTorch run)"
[ -n "$TORCH_BEST" ] && best_text="PyTorch $(row_name "$TORCH_BEST"), ${EP_MIN[$TORCH_BEST]} s/epoch"
RATIOS_MD="| ratio (from the minimums) | value |"$'\n'"|---|---|"$'\n'
for t in $THREADS_LIST; do
    RATIOS_MD+="| backprop ${t}T s/epoch / PyTorch ${T1}T s/epoch | $(ratio "bp$t" "torch$T1" EP_MIN) |"$'\n'
    if [ -n "$TORCH_BEST" ]; then
        RATIOS_MD+="| backprop ${t}T s/epoch / PyTorch best ($(row_name "$TORCH_BEST")) s/epoch | $(ratio "bp$t" "$TORCH_BEST" EP_MIN) |"$'\n'
    else
        RATIOS_MD+="| backprop ${t}T s/epoch / PyTorch best | n/a (no PyTorch run) |"$'\n'
    fi
done
[ -z "$T2" ] || RATIOS_MD+="| backprop speed-up, ${T2}T over ${T1}T (s/epoch ${T1}T / ${T2}T) | $(ratio "bp$T1" "bp$T2" EP_MIN) |"$'\n'
for t in $THREADS_LIST; do
    RATIOS_MD+="| backprop ${t}T process s / PyTorch ${t}T process s | $(ratio "bp$t" "torch$t" PR_MIN) |"$'\n'
    RATIOS_MD+="| backprop ${t}T peak memory / PyTorch ${t}T peak memory | $(ratio "bp$t" "torch$t" MEM_MIN) |"$'\n'
done

# targets: "met", "not met", or why they cannot be judged
judge() {  # VALUE OP LIMIT
    case $1 in n/a*|accuracy*|'') echo "not checkable: $1"; return ;; esac
    if awk -v x="$1" -v l="$3" -v op="$2" 'BEGIN { exit !((op == "<=" && x <= l) || (op == ">=" && x >= l)) }'; then
        echo "**met** ($1)"
    else
        echo "**not met** ($1)"
    fi
}
TARGETS_MD=""
r=$(ratio "bp$T1" "torch$T1" EP_MIN)
TARGETS_MD+="- single-thread epoch within 1.1x PyTorch's single-thread (backprop ${T1}T / PyTorch ${T1}T <= 1.10): $(judge "$r" '<=' 1.10)"$'\n'
if [ -n "$T2" ]; then
    r=$(ratio "bp$T1" "bp$T2" EP_MIN)
    TARGETS_MD+="- backprop --threads $T2 at least 1.7x faster than its own ${T1} thread (${T1}T / ${T2}T >= 1.70): $(judge "$r" '>=' 1.70)"$'\n'
    if [ -n "$TORCH_BEST" ]; then r=$(ratio "bp$T2" "$TORCH_BEST" EP_MIN); else r="n/a (no PyTorch run)"; fi
    TARGETS_MD+="- backprop --threads $T2 at most 0.6x PyTorch's best time over its thread counts (backprop ${T2}T / PyTorch best <= 0.60): $(judge "$r" '<=' 0.60)"$'\n'
fi
# accuracy: each backprop row against PyTorch at the same thread count,
# mean over the repeats' seeds; "equal" within two standard errors of the
# difference (the spread that seeds alone give)
acc_res="" acc_all=1 acc_any=0
for t in $THREADS_LIST; do
    if ok "bp$t" && ok "torch$t"; then
        acc_any=1
        read -r d se <<<"$(awk -v a="${ACC[bp$t]}" -v b="${ACC[torch$t]}" \
            -v sa="${ACC_SD[bp$t]}" -v sb="${ACC_SD[torch$t]}" \
            -v na="${ACC_N[bp$t]}" -v nb="${ACC_N[torch$t]}" \
            'BEGIN { printf "%+.2f %.2f\n", a - b, sqrt(sa * sa / na + sb * sb / nb) }')"
        awk -v d="$d" -v se="$se" 'BEGIN { exit !(d >= -2 * se) }' || acc_all=0
        acc_res+="${t}T: $(fmt %.2f "${ACC[bp$t]}") ± $(fmt %.2f "${ACC_SD[bp$t]}") vs $(fmt %.2f "${ACC[torch$t]}") ± $(fmt %.2f "${ACC_SD[torch$t]}") ($d, 2 SE = $(awk -v s="$se" 'BEGIN { printf "%.2f", 2 * s }')); "
    fi
done
if [ $acc_any = 0 ]; then acc_v="not checkable: no pair of runs"
elif [ $acc_all = 1 ]; then acc_v="**met** (${acc_res%; })"
else acc_v="**not met** (${acc_res%; })"; fi
TARGETS_MD+="- equal or better test accuracy (mean over the seeds of the repeats; backprop at least PyTorch's mean minus two standard errors of the difference, at the same thread count): $acc_v"$'\n'
mem_res="" mem_all=1 mem_any=0
for t in $THREADS_LIST; do
    if ok "bp$t" && ok "torch$t"; then
        mem_any=1
        awk -v a="${MEM_MED[bp$t]}" -v b="${MEM_MED[torch$t]}" 'BEGIN { exit !(a < b) }' || mem_all=0
        mem_res+="${t}T: ${MEM_MED[bp$t]} vs ${MEM_MED[torch$t]} MiB; "
    fi
done
if [ $mem_any = 0 ]; then mem_v="not checkable: no pair of runs"
elif [ $mem_all = 1 ]; then mem_v="**met** (${mem_res%; })"
else mem_v="**not met** (${mem_res%; })"; fi
TARGETS_MD+="- lower peak memory (median peak RSS of backprop < PyTorch's at the same thread count): $mem_v"$'\n'

# A busy machine: the 1-minute load at the start of a run above the cores
# + 0.5 (the benchmark's own previous run accounts for up to ~2 of it).
MAX_LOAD=$(for id in "${ROWS[@]}"; do cat "$OUT/runs/$id" 2>/dev/null || true; done | awk '$7 != "-" { print $7 }' | sort -g | tail -n 1)
BUSY_MD=""
if [ -n "$MAX_LOAD" ] && awk -v l="$MAX_LOAD" -v c="$(nproc)" 'BEGIN { exit !(l > c + 0.5) }'; then
    BUSY_MD="**The machine was busy**: the 1-minute load at the start of a run reached $MAX_LOAD on $(nproc) cores (this benchmark alone accounts for up to about 2). Other work shared the cores, so the times, the ratios and the met / not met verdicts below carry its noise (compare minimum and median); rerun on a quiet machine before drawing conclusions."
fi

# ----------------------------------------------------------------- report
CPU=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
TPC=$(lscpu 2>/dev/null | sed -n 's/^Thread(s) per core: *//p' | head -n 1)
BLAS=$(cat "$OUT"/runs/torch*.1.out 2>/dev/null | awk '$1 == "blas" { $1 = ""; sub(/^ /, ""); print; exit }')
BP_THREADS_ARG=""; if [ $HAVE_THREADS = 1 ]; then BP_THREADS_ARG=" --threads T"; fi
BP_LINE="\`backprop ${BP_ARGS[*]}$BP_THREADS_ARG\`"
PEER_LINE="\`$(peer_env_text T) $PY ${PEER_ARGS[*]} --threads T\`"
TMP=$WORK/results.md
{
    echo "# Benchmark D: Fashion-MNIST MLP, backprop against PyTorch (the issue's benchmark B)"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: ${CPU:-unknown CPU}, $(nproc) cores (threads per core: ${TPC:-?}), Linux $(uname -r)"
    echo "- load average (1, 5, 15 min) at the start $LOAD_START, at the end $LOAD_END; the machine's 2 cores are shared with other work, the 1-minute load at the start of every run is in the last column"
    echo "- network 784-256-128-10, ReLU hidden, softmax + cross-entropy, He-normal weights, zero biases, batch 128 reshuffled every epoch, SGD momentum 0.9, lr $LR, $EPOCHS epochs, seeds $SEED to $((SEED + REPEATS - 1)) (repeat r uses seed $SEED + r - 1, both tools); Debian's dataset-fashion-mnist, pixels / 255 in [0, 1] (60 000 train, 10 000 test)"
    echo "- versions: $BP_VER (commit $GIT_REV, binary sha256 $BP_SUM..., copied from $SRC_BP at the start), dtype $BP_DTYPE$( [ $HAVE_F32 = 0 ] && echo ' (train has no --dtype yet)'), threads option: $( [ $HAVE_THREADS = 1 ] && echo yes || echo 'none yet (train runs one thread)'); torch $TORCH_VER (CPU), numpy $NUMPY_VER, Python $PY_VER; torch's BLAS: ${BLAS:-?}"
    echo "- backprop ran $BP_LINE, with the calling environment ($CALLER_ENV). \`--no-standardize\` keeps the pixels in [0, 1] as the peer has them (backprop standardises file features by default); the test accuracy is backprop's \`test accuracy\` line, the training time its \`--timing\` line."
    echo "- PyTorch ran $PEER_LINE (bench/peers/torch_fashion.py: nn.Sequential, kaiming_normal_ + zeros_, CrossEntropyLoss, optim.SGD(momentum=0.9), a plain loop over torch.randperm index batches, no DataLoader). OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset in the PyTorch processes only; OPENBLAS_NUM_THREADS=T because Debian's torch multiplies matrices in OpenBLAS, whose own thread pool does not follow torch.set_num_threads."
    echo "- $REPEATS timed runs per row, round-robin, after warming the page cache; s/epoch = training-loop seconds measured inside the process / $EPOCHS; process s = the whole command, wall clock (loading the data, interpreter start-up and the test evaluation included); peak MiB = GNU time's maximum resident set size; process CPU s = user + system time of the whole command (above the wall time: more than one core busy)."
    echo "- ratios are from the minimums; none is printed when the two test accuracies differ by more than $ACC_TOLERANCE points (\"accuracy differs\")."
    if [ -n "$BUSY_MD" ]; then echo; echo "$BUSY_MD"; fi
    echo
    printf '%s' "$ROWS_MD"
    echo
    printf '%s' "$RATIOS_MD"
    echo
    echo "### The issue's targets"
    echo
    printf '%s' "$TARGETS_MD"
    echo
    echo "PyTorch's best thread count: $best_text. Total benchmark time ${ELAPSED}. Raw runs: \`$OUT/runs/\` (one line per run: train s, process s, accuracy, loss, peak KiB, CPU s, load, status)."
} >"$TMP"
cp "$TMP" "$RESULTS"
cat "$RESULTS"
say "wrote $RESULTS"
