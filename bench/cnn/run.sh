#!/bin/bash
# bench/cnn/run.sh - benchmark E, issue #17's "Targets": the anchor CNN on
# Fashion-MNIST, backprop against the same network in PyTorch
# (bench/peers/torch_cnn.py), in the same run.
#
#   bench/cnn/run.sh             (or: make bench-cnn)
#   E=1 S=1 bench/cnn/run.sh     one epoch, one seed: a quick look
#
# Environment:
#   E or CNN_EPOCHS          epochs of every run (default 10)
#   S or CNN_SEEDS           seeds 1..S, every row trains once per seed (default 3)
#   CNN_BP_THREADS           backprop's thread counts (default "1 2")
#   CNN_TORCH_THREADS        PyTorch's thread counts (default "1 2"; empty: none; the targets
#                            compare with its 1 thread, the best one is shown too)
#   CNN_BP_NET               backprop's network options (default the anchor's
#                            --layers ... --init xavier).  For checking this
#                            script with a command that exists, e.g.
#                            CNN_BP_NET='--hidden 256,128 --activation relu --init xavier';
#                            the table then says loudly that the networks differ
#   CNN_BP_EXTRA             more options for backprop only, appended (default
#                            none), e.g. --no-standardize: backprop standardises
#                            file features by default, the peer divides by 255
#   CNN_TORCH_ENV            extra VAR=VALUE words for the PyTorch processes only,
#                            e.g. OMP_WAIT_POLICY=PASSIVE (default none; shown in the table)
#   CNN_REPORT_ONLY=1        no runs: the table again from the raw files of the
#                            last runs in $BUILD/bench/cnn/runs/
#   CNN_RESULTS              where the table goes (default bench/results/cnn.md)
#   BUILD                    build directory holding backprop (default build)
#
# Both train conv(32,3x3,same)-relu-maxpool2-conv(64,3x3,same)-relu-maxpool2-
# dense128-relu-dense10 with softmax cross-entropy, Xavier-normal weights and
# zero biases, float32, Adam lr 0.001, batches of 128 reshuffled every epoch,
# on Debian's dataset-fashion-mnist (pixels / 255).  Every (seed, row) pair
# runs once, round-robin over the rows within a seed.  Per row: seconds per
# epoch (the training loop only, timed inside the process), whole-process
# wall time and peak resident memory (GNU time -v), test accuracy; per seed
# and mean ± sd over the seeds.  Never part of make test.
set -eu
export LC_ALL=C

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
EPOCHS=${CNN_EPOCHS:-${E:-10}}
SEEDS=${CNN_SEEDS:-${S:-3}}
BP_THREADS=${CNN_BP_THREADS-1 2}
TORCH_THREADS=${CNN_TORCH_THREADS-1 2}
ANCHOR_LAYERS=conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2,dense:128,relu
ANCHOR_NET="--layers $ANCHOR_LAYERS --init xavier"
BP_NET=${CNN_BP_NET:-$ANCHOR_NET}
RESULTS=${CNN_RESULTS:-bench/results/cnn.md}
REPORT_ONLY=${CNN_REPORT_ONLY:-0}
PY=/usr/bin/python3          # Debian's python3, where torch lives
GNU_TIME=/usr/bin/time
DATA_DIR=/usr/share/datasets/fashion-mnist
OUT=$BUILD/bench/cnn
SRC_BP=$BUILD/backprop
LR=0.001
BATCH=128

# the issue's targets
T_EPOCH=0.80      # our 1-thread epoch / PyTorch's 1-thread epoch, at most
T_SPEEDUP=1.70    # our 1-thread epoch / our 2-thread epoch, at least
T_ACC=91.5        # our mean test accuracy, at least
T_ACC_GAP=0.3     # points below PyTorch's mean accuracy, at most

die() { echo "bench-cnn: $*" >&2; exit 2; }
say() { echo "bench-cnn: $*" >&2; }

case $EPOCHS in ''|*[!0-9]*|0) die "E / CNN_EPOCHS must be a positive integer (got '$EPOCHS')" ;; esac
case $SEEDS in ''|*[!0-9]*|0) die "S / CNN_SEEDS must be a positive integer (got '$SEEDS')" ;; esac
for t in $BP_THREADS $TORCH_THREADS; do
    case $t in *[!0-9]*|0*) die "CNN_BP_THREADS and CNN_TORCH_THREADS list positive integers (got '$t')" ;; esac
done
[ -n "$BP_THREADS$TORCH_THREADS" ] || die "no thread counts to run"
read -r -a BP_NET_ARGS <<<"$BP_NET"
read -r -a BP_EXTRA <<<"${CNN_BP_EXTRA:-}"
read -r -a TORCH_EXTRA_ENV <<<"${CNN_TORCH_ENV:-}"
for w in "${TORCH_EXTRA_ENV[@]}"; do
    case $w in [A-Za-z_]*=*) ;; *) die "CNN_TORCH_ENV takes VAR=VALUE words (got '$w')" ;; esac
done
[ -x "$GNU_TIME" ] && "$GNU_TIME" -v -o /dev/null true 2>/dev/null ||
    die "needs GNU time at $GNU_TIME: apt-get install time (scripts/deps.sh bench)"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ -r "$DATA_DIR/$f.gz" ] || die "$DATA_DIR/$f.gz missing: apt-get install dataset-fashion-mnist (make deps)"
done

mkdir -p "$OUT/runs" "$(dirname "$RESULTS")"
# backprop runs from a private copy, so that someone relinking
# build/backprop during the benchmark does not change what is measured
WORK=$(mktemp -d "${TMPDIR:-/tmp}/backprop-cnn.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
BP=$WORK/backprop

# ------------------------------------------------------------ what is there
HAVE_BP=0 HAVE_TORCH=0 BP_WHY="" BP_VER=- BP_SUM=- TORCH_VER=- MKLDNN=-
if [ -x "$SRC_BP" ]; then
    cp "$SRC_BP" "$BP"
    BP_VER=$("$BP" --version 2>/dev/null | head -n 1 || true)
    BP_SUM=$(sha256sum "$BP" | cut -c1-12)
    BP_HELP=$("$BP" train --help 2>&1 || true)
    HAVE_BP=1
    for opt in --dtype --threads --timing --optimizer; do
        if ! grep -q -- "$opt" <<<"$BP_HELP"; then HAVE_BP=0 BP_WHY="train has no $opt"; fi
    done
    if [ "$BP_NET" = "$ANCHOR_NET" ] && ! grep -q -- --layers <<<"$BP_HELP"; then
        HAVE_BP=0 BP_WHY="train has no --layers yet"
    fi
else
    BP_WHY="$SRC_BP not built (run make)"
fi
[ -z "$BP_WHY" ] || say "backprop rows show n/a: $BP_WHY"
if "$PY" -c 'import torch, numpy' 2>/dev/null; then
    HAVE_TORCH=1
    read -r TORCH_VER MKLDNN <<<"$("$PY" -c 'import torch; print(torch.__version__, "yes" if torch.backends.mkldnn.is_available() else "no")')"
else
    say "torch or numpy missing for $PY: apt-get install python3-torch (PyTorch rows show n/a)"
fi
PY_VER=$("$PY" -c 'import platform; print(platform.python_version())' 2>/dev/null || echo '?')
GIT_REV=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
if [ -n "$(git --no-optional-locks status --porcelain -- src cli include Makefile 2>/dev/null | head -n 1)" ]; then
    GIT_REV="$GIT_REV + uncommitted changes in src/cli/include"
fi
SAME_NET=1; [ "$BP_NET" = "$ANCHOR_NET" ] || SAME_NET=0

BP_ARGS=(train --data fashion-mnist "${BP_NET_ARGS[@]}" --optimizer adam --lr "$LR"
         --batch "$BATCH" --epochs "$EPOCHS" --dtype f32 --timing "${BP_EXTRA[@]}")
PEER_ARGS=(bench/peers/torch_cnn.py --epochs "$EPOCHS" --lr "$LR" --batch "$BATCH")
# Debian's torch multiplies matrices in OpenBLAS, whose own pool ignores
# torch.set_num_threads: pinned to the row's threads; OpenBLAS tuning
# variables some machines set are dropped for the peer only
peer_env() { echo "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=$1${TORCH_EXTRA_ENV[*]:+ ${TORCH_EXTRA_ENV[*]}}"; }

ROWS=()
for t in $BP_THREADS; do ROWS+=("bp$t"); done
for t in $TORCH_THREADS; do ROWS+=("torch$t"); done
row_threads() { echo "${1//[!0-9]/}"; }
row_label() { case $1 in bp*) echo "backprop $(row_threads "$1")T" ;; *) echo "PyTorch $(row_threads "$1")T" ;; esac; }
row_missing() {
    case $1 in
        bp*) [ $HAVE_BP = 1 ] || echo "$BP_WHY" ;;
        *) [ $HAVE_TORCH = 1 ] || echo "torch not installed" ;;
    esac
}
row_cmd() {  # ID SEED: sets CMD
    local t; t=$(row_threads "$1")
    case $1 in
        bp*) CMD=("$BP" "${BP_ARGS[@]}" --seed "$2" --threads "$t") ;;
        *) read -r -a CMD <<<"$(peer_env "$t")"
           CMD+=("$PY" "${PEER_ARGS[@]}" --seed "$2" --threads "$t") ;;
    esac
}

# ------------------------------------------------------------------ parsing
# seconds of a backprop duration "25.61 s", "812.3 ms", "4.3 min", "1.02 h"
to_seconds() {
    awk -v v="$1" -v u="$2" 'BEGIN {
        m = -1
        if (u == "us") m = 1e-6; else if (u == "ms") m = 1e-3; else if (u == "s") m = 1
        else if (u == "min") m = 60; else if (u == "h") m = 3600
        if (m < 0 || v == "") print "-"; else printf "%.6f\n", v * m }'
}
# "epoch_s accuracy loss" of one run ("-" for what is missing)
parse_run() {
    local id=$1 out=$2 err=$3 ep acc loss v u
    case $id in
        bp*)
            # --timing: "backprop: trained 10 epochs in 4.3 min (25.61 s/epoch)";
            # the per-epoch figure has the more digits
            read -r v u <<<"$(sed -n 's/^backprop: trained [0-9]* epochs in .*(\([0-9.eE+-]*\) \([a-z]*\)\/epoch).*/\1 \2/p' "$err" | tail -n 1)"
            ep=$(to_seconds "${v:-}" "${u:-}")
            acc=$(sed -n 's/^test accuracy : *\([0-9.eE+-]*\) *%.*/\1/p' "$out" | tail -n 1)
            loss=$(sed -n 's/^epoch [0-9]* loss : *\([0-9.eE+-]*\).*/\1/p' "$out" | tail -n 1) ;;
        *)
            ep=$(awk -v e="$EPOCHS" '$1 == "train_seconds" { printf "%.6f\n", $2 / e }' "$out")
            acc=$(awk '$1 == "test_accuracy" { print $2 }' "$out")
            loss=$(awk '$1 == "final_loss" { print $2 }' "$out") ;;
    esac
    echo "${ep:--} ${acc:--} ${loss:--}"
}
# "wall_s peak_kib cpu_s" from a GNU time -v file
parse_time() {
    awk -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
        /Maximum resident set size/ { m = $2 }
        /User time/ { u = $2 } /System time/ { s = $2 }
        END { printf "%s %s %s\n", (w == "" ? "-" : w), (m == "" ? "-" : m), (u == "" ? "-" : u + s) }' "$1"
}

# record ID SEED: parses one run's saved output ($OUT/runs/ID.SEED.*) and
# appends to $OUT/runs/ID the line
# "seed epoch_s process_s peak_kib accuracy loss cpu_s load1 status"
record() {
    local id=$1 seed=$2 base=$OUT/runs/$1.$2 rc load1 ep acc loss wall kib cpu st
    read -r rc load1 <"$base.meta"
    read -r ep acc loss <<<"$(parse_run "$id" "$base.out" "$base.err")"
    read -r wall kib cpu <<<"$(parse_time "$base.time")"
    st=0
    if [ "$rc" != 0 ]; then st=exit$rc; elif [ "$ep" = - ] || [ "$acc" = - ]; then st=noparse; fi
    echo "$seed $ep $wall $kib $acc $loss $cpu $load1 $st" >>"$OUT/runs/$id"
    say "  $(row_label "$id") seed $seed: $ep s/epoch, accuracy $acc %, process $wall s, peak $(awk -v k="$kib" 'BEGIN { printf "%.0f", k / 1024 }') MiB, load $load1${st/#0/}"
}
# run_row ID SEED: one run, its output, GNU time's and "exit_status load1"
# kept in $OUT/runs/ID.SEED.{out,err,time,meta}
run_row() {
    local id=$1 seed=$2 base=$OUT/runs/$1.$2 rc=0 load1
    row_cmd "$id" "$seed"
    load1=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo -)
    "$GNU_TIME" -v -o "$base.time" "${CMD[@]}" >"$base.out" 2>"$base.err" || rc=$?
    echo "$rc $load1" >"$base.meta"
    record "$id" "$seed"
}

# ---------------------------------------------------------------- running
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
START=$EPOCHREALTIME
if [ "$REPORT_ONLY" != 1 ]; then
    for id in "${ROWS[@]}"; do rm -f "$OUT/runs/$id" "$OUT/runs/$id".*; done
    # warm the page cache and torch's imports (untimed)
    cat "$DATA_DIR"/*.gz >/dev/null
    if [ $HAVE_TORCH = 1 ]; then "$PY" -c 'import torch' 2>/dev/null || true; fi
    say "$EPOCHS epochs a run, seeds 1 to $SEEDS, rows ${ROWS[*]}; load $LOAD_START"
    for seed in $(seq 1 "$SEEDS"); do
        for id in "${ROWS[@]}"; do
            if [ -z "$(row_missing "$id")" ]; then run_row "$id" "$seed"; fi
        done
    done
else
    # the raw outputs parsed again, in seed order
    for id in "${ROWS[@]}"; do
        rm -f "$OUT/runs/$id"
        for m in $(ls "$OUT/runs/" 2>/dev/null | sed -n "s/^$id\.\([0-9]*\)\.meta\$/\1/p" | sort -n); do
            record "$id" "$m"
        done
    done
fi
ELAPSED=$(awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f s", b - a }')
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
if [ "$REPORT_ONLY" = 1 ]; then
    ELAPSED="not known (table redrawn from earlier runs)"
    LOAD_START="not known" LOAD_END="not known (table redrawn from earlier runs)"
fi
RUN_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
if [ "$REPORT_ONLY" = 1 ]; then
    newest=$(ls -t "$OUT"/runs/*.meta 2>/dev/null | head -n 1)
    [ -z "$newest" ] || RUN_DATE="$(date -u -r "$newest" '+%Y-%m-%d %H:%M UTC') (the last run's end; table redrawn $RUN_DATE)"
fi

# ------------------------------------------------------------- statistics
# column C of a row's successful runs
col() { [ -s "$OUT/runs/$1" ] && awk -v c="$2" '$9 == "0" && $c != "-" { print $c }' "$OUT/runs/$1"; }
# "mean sd n" of a column (sd: sample, over the seeds; 0 for one run)
mean_sd() {
    col "$1" "$2" | awk -v k="${3:-1}" '{ v[NR] = $1 / k; s += v[NR] }
        END { if (NR == 0) { print "- - 0"; exit } m = s / NR
              for (i = 1; i <= NR; i++) q += (v[i] - m) ^ 2
              printf "%.6f %.6f %d\n", m, (NR > 1 ? sqrt(q / (NR - 1)) : 0), NR }'
}
declare -A OK WHY EP EP_SD PR PR_SD MEM MEM_SD ACC ACC_SD NRUNS
for id in "${ROWS[@]}"; do
    OK[$id]=0
    WHY[$id]=$(row_missing "$id")
    [ -z "${WHY[$id]}" ] || continue
    f=$OUT/runs/$id
    if [ ! -s "$f" ]; then WHY[$id]="no runs"; continue; fi
    if awk '$9 != "0" { bad = 1 } END { exit !bad }' "$f"; then
        fails=$(awk '$9 != "0" { print $9 }' "$f" | sort -u | tr '\n' ' ')
        first=$(awk '$9 != "0" { print $1; exit }' "$f")
        msg=$(grep -e 'error' -e 'Traceback' "$OUT/runs/$id.$first.err" 2>/dev/null | tail -n 1 | tr '|' '/' | cut -c1-100)
        WHY[$id]="failed (${fails% }, seed $first)${msg:+: $msg}"
        continue
    fi
    OK[$id]=1
    read -r EP[$id] EP_SD[$id] NRUNS[$id] <<<"$(mean_sd "$id" 2)"
    read -r PR[$id] PR_SD[$id] _ <<<"$(mean_sd "$id" 3)"
    read -r MEM[$id] MEM_SD[$id] _ <<<"$(mean_sd "$id" 4 1024)"
    read -r ACC[$id] ACC_SD[$id] _ <<<"$(mean_sd "$id" 5)"
done
ok() { [ "${OK[$1]:-0}" = 1 ]; }
# why a row has no numbers (rows not listed too)
why() { local w=${WHY[$1]:-}; [ -n "$w" ] || w=$(row_missing "$1"); echo "${w:-not run}"; }
f2() { awk -v x="$1" 'BEGIN { printf "%.2f", x }'; }
f0() { awk -v x="$1" 'BEGIN { printf "%.0f", x }'; }
pm() { echo "$(f2 "$1") ± $(f2 "$2")"; }

# PyTorch's best thread count: the smallest mean epoch
TORCH_BEST=""
for t in $TORCH_THREADS; do
    ok "torch$t" || continue
    if [ -z "$TORCH_BEST" ] || awk -v a="${EP[torch$t]}" -v b="${EP[$TORCH_BEST]}" 'BEGIN { exit !(a < b) }'; then
        TORCH_BEST=torch$t
    fi
done

# ------------------------------------------------------------------ tables
PER_SEED_MD="| row | seed | s/epoch | process s | peak MiB | test accuracy % | final train loss | process CPU s | load at start |"$'\n'
PER_SEED_MD+="|---|---|---|---|---|---|---|---|---|"$'\n'
MEAN_MD="| row | runs | s/epoch | process s | peak MiB | test accuracy % |"$'\n'
MEAN_MD+="|---|---|---|---|---|---|"$'\n'
for id in "${ROWS[@]}"; do
    if [ -s "$OUT/runs/$id" ] && [ -z "$(row_missing "$id")" ]; then
        while read -r seed ep wall kib acc loss cpu load1 st; do
            if [ "$st" = 0 ]; then
                PER_SEED_MD+="| $(row_label "$id") | $seed | $(f2 "$ep") | $(f2 "$wall") | $(f0 "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')") | $acc | $loss | $cpu | $load1 |"$'\n'
            else
                PER_SEED_MD+="| $(row_label "$id") | $seed | $st | | | | | | $load1 |"$'\n'
            fi
        done <"$OUT/runs/$id"
    fi
    if ok "$id"; then
        MEAN_MD+="| $(row_label "$id") | ${NRUNS[$id]} | $(pm "${EP[$id]}" "${EP_SD[$id]}") | $(pm "${PR[$id]}" "${PR_SD[$id]}") | $(f0 "${MEM[$id]}") ± $(f0 "${MEM_SD[$id]}") | $(pm "${ACC[$id]}" "${ACC_SD[$id]}") |"$'\n'
    else
        MEAN_MD+="| $(row_label "$id") | n/a (${WHY[$id]}) | | | | |"$'\n'
    fi
done

# ------------------------------------------------------------- the targets
# ratio A B ARRAY: A / B of the means, or why not
ratio() {
    local -n v=$3
    if ! ok "$1"; then echo "n/a ($(row_label "$1"): $(why "$1"))"; return; fi
    if ! ok "$2"; then echo "n/a ($(row_label "$2"): $(why "$2"))"; return; fi
    awk -v x="${v[$1]}" -v y="${v[$2]}" 'BEGIN { if (y > 0) printf "%.3f", x / y; else print "n/a" }'
}
judge() {  # VALUE OP LIMIT
    case $1 in n/a*|'') echo "not checkable"; return ;; esac
    if awk -v x="$1" -v l="$3" -v op="$2" 'BEGIN { exit !((op == "<=" && x <= l) || (op == ">=" && x >= l) || (op == "<" && x < l)) }'; then
        echo "**met**"
    else
        echo "**missed**"
    fi
}
TARGETS_MD="| target (means over the seeds) | value | limit | verdict |"$'\n'"|---|---|---|---|"$'\n'
tgt() { TARGETS_MD+="| $1 | $2 | $3 $4 | $(judge "$2" "$3" "$4") |"$'\n'; }
set -- $BP_THREADS; B1=bp${1:-1} B2=bp${2:-}; [ -n "${2:-}" ] || B2=""
P1=torch1
r=$(ratio "$B1" "$P1" EP); tgt "s/epoch: $(row_label "$B1") / PyTorch 1T" "$r" '<=' "$T_EPOCH"
if [ -n "$B2" ]; then
    r=$(ratio "$B1" "$B2" EP); tgt "speed-up: $(row_label "$B1") s/epoch / $(row_label "$B2") s/epoch" "$r" '>=' "$T_SPEEDUP"
fi
for id in $B1 $B2; do
    r=$(ratio "$id" "$P1" MEM); tgt "peak memory: $(row_label "$id") / PyTorch 1T" "$r" '<' 1
done
for id in $B1 $B2; do
    r=$(ratio "$id" "$P1" PR); tgt "whole process: $(row_label "$id") / PyTorch 1T" "$r" '<' 1
done
for id in $B1 $B2; do
    if ok "$id"; then a=$(f2 "${ACC[$id]}"); else a="n/a ($(row_label "$id"): $(why "$id"))"; fi
    tgt "test accuracy: $(row_label "$id"), %" "$a" '>=' "$T_ACC"
    if ok "$id" && ok "$P1"; then
        a=$(awk -v a="${ACC[$id]}" -v b="${ACC[$P1]}" 'BEGIN { printf "%+.2f", a - b }')
    elif ok "$id"; then a="n/a (PyTorch 1T: $(why "$P1"))"
    else a="n/a ($(row_label "$id"): $(why "$id"))"; fi
    tgt "test accuracy: $(row_label "$id") minus PyTorch 1T, points" "$a" '>=' "-$T_ACC_GAP"
done

INFO_MD=""
if [ -n "$TORCH_BEST" ]; then
    INFO_MD+="- PyTorch's best thread count: $(row_label "$TORCH_BEST"), $(f2 "${EP[$TORCH_BEST]}") s/epoch."
    for id in $B1 $B2; do
        INFO_MD+=" $(row_label "$id") s/epoch / PyTorch's best: $(ratio "$id" "$TORCH_BEST" EP)."
    done
    INFO_MD+=$'\n'
fi
MAX_LOAD=$(for id in "${ROWS[@]}"; do cat "$OUT/runs/$id" 2>/dev/null || true; done | awk '$8 != "-" { print $8 }' | sort -g | tail -n 1)
if [ -n "$MAX_LOAD" ] && awk -v l="$MAX_LOAD" -v c="$(nproc)" 'BEGIN { exit !(l > c - 0.5) }'; then
    INFO_MD+="- **The machine was busy**: the 1-minute load at the start of a run reached $MAX_LOAD on $(nproc) cores (this benchmark accounts for 1 to 2 of it). Times, ratios and verdicts carry that noise; rerun on a quiet machine before drawing conclusions."$'\n'
fi

# ----------------------------------------------------------------- report
CPU=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
BLAS=$(cat "$OUT"/runs/torch*.*.out 2>/dev/null | awk '$1 == "blas" { $1 = ""; sub(/^ /, ""); print; exit }')
TMP=$WORK/results.md
{
    echo "# Benchmark E: the anchor CNN on Fashion-MNIST, backprop against PyTorch (issue #17)"
    echo
    if [ $SAME_NET = 0 ]; then
        echo "**NOT THE ANCHOR: backprop ran \`$BP_NET\` instead of \`$ANCHOR_NET\` (CNN_BP_NET), so the two sides train different networks and no verdict below means anything.** This table only checks the script."
        echo
    fi
    echo "- date: $RUN_DATE; machine: ${CPU:-unknown CPU}, $(nproc) cores, Linux $(uname -r); load average (1, 5, 15 min) $LOAD_START at the start, $LOAD_END at the end (the cores are shared with other work; the 1-minute load at the start of each run is in the per-seed table)"
    echo "- network: conv(32, 3x3, same) relu maxpool2 conv(64, 3x3, same) relu maxpool2 dense128 relu dense10, softmax + cross-entropy; Xavier-normal weights (conv fans in_ch k k and out_ch k k), zero biases; float32; Adam lr $LR; batch $BATCH reshuffled every epoch; $EPOCHS epochs; seeds 1 to $SEEDS (one run per seed and row); Debian's dataset-fashion-mnist, pixels / 255 (60 000 training, 10 000 test images)"
    echo "- backprop: $BP_VER (commit $GIT_REV, binary sha256 $BP_SUM..., copied from $SRC_BP at the start): \`backprop ${BP_ARGS[*]} --seed K --threads T\`, in the calling environment; s/epoch from its \`--timing\` line, accuracy from \`test accuracy\`; inputs: $(case " ${BP_ARGS[*]} " in *" --no-standardize "*) echo "pixels / 255 as the peer's" ;; *) echo "standardised per pixel (backprop's default for file data; the peer divides by 255)" ;; esac)"
    echo "- PyTorch: torch $TORCH_VER (CPU, oneDNN/mkldnn available: $MKLDNN), Python $PY_VER, BLAS mapped: ${BLAS:-?}: \`$(peer_env T) $PY ${PEER_ARGS[*]} --seed K --threads T\` (bench/peers/torch_cnn.py); s/epoch = its training loop's perf_counter / $EPOCHS"
    echo "- process s and peak MiB: GNU time -v around the whole command (start-up, \`import torch\`, loading, training, test evaluation): wall clock and maximum resident set size. process CPU s = user + system."
    echo "- mean ± sample standard deviation over the seeds; ratios are of the means."
    echo
    echo "## Means over the seeds"
    echo
    printf '%s' "$MEAN_MD"
    echo
    echo "## The issue's targets"
    echo
    printf '%s' "$TARGETS_MD"
    echo
    printf '%s' "$INFO_MD"
    echo
    echo "## Every run"
    echo
    printf '%s' "$PER_SEED_MD"
    echo
    echo "Benchmark time $ELAPSED. Raw runs: \`$OUT/runs/\` (one line per run: seed, s/epoch, process s, peak KiB, accuracy, loss, CPU s, load, status; the commands' output beside them)."
} >"$TMP"
cp "$TMP" "$RESULTS"
cat "$RESULTS"
say "wrote $RESULTS"
