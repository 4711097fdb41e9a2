#!/bin/bash
# bench/scaling.sh - benchmark C: how the cost of an epoch grows with the
# hidden width and with the number of points.
#
#   bench/scaling.sh [BACKPROP]       (default: $BUILD/backprop, BUILD=build)
#
# Environment:
#   SCALING_REPEATS   timed runs of every point (default 3; the table keeps the minimum)
#   SCALING_TARGET    seconds one timed run should take (default 0.4)
#   SCALING_WIDTHS    the widths of the width sweep (default "10 16 32 64 128 256 512 1024")
#   SCALING_NS        the n of the n sweep (default "100 300 1000 3000 10000 30000 100000")
#   BUILD             build directory (default build); raw runs go to $BUILD/bench/scaling
#
# Width sweep: `train --data linear --n 1000 --hidden W,W` for W = 10 .. 1024.
# n sweep:     `train --data linear --n N --hidden 10,10` for N = 100 .. 100000.
# Both: full batch, the defaults otherwise (sigmoid, bias, momentum 0.9,
# lr 0.1), --quiet --timing; µs/epoch is read from backprop's own --timing
# line (the training loop only).  The epochs of each point are calibrated
# so that one run takes about SCALING_TARGET seconds; every point is run
# SCALING_REPEATS times round-robin and the minimum is kept.
#
# Writes bench/results/scaling.md (tables, fitted exponents), scaling.csv
# (the numbers) and scaling.png (plotted by bench/scaling_plot.py with
# Debian's python3-matplotlib; skipped with a message when it is missing).
# Takes about 40 s on 2 cores.  Never part of `make test`.
set -eu
shopt -s inherit_errexit        # a failing run inside $(...) stops the script too
export LC_ALL=C

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SRC_BP=${1:-$BUILD/backprop}
REPEATS=${SCALING_REPEATS:-3}
TARGET=${SCALING_TARGET:-0.4}
OUT=$BUILD/bench/scaling
RESULTS=bench/results
PY=/usr/bin/python3

WIDTHS=${SCALING_WIDTHS:-10 16 32 64 128 256 512 1024}
WIDTH_N=1000
NS=${SCALING_NS:-100 300 1000 3000 10000 30000 100000}
N_WIDTH=10
WIDTH_FIT_FROM=64          # fit the exponents over the upper part of each sweep
N_FIT_FROM=1000

die() { echo "scaling: $*" >&2; exit 2; }
say() { echo "scaling: $*" >&2; }

case $REPEATS in ''|*[!0-9]*|0) die "SCALING_REPEATS must be a positive integer (got '$REPEATS')" ;; esac
awk -v t="$TARGET" 'BEGIN { exit !(t + 0 > 0) }' || die "SCALING_TARGET must be a positive number of seconds (got '$TARGET')"
[ -x "$SRC_BP" ] || die "$SRC_BP not built (run make first, or pass the binary: bench/scaling.sh PATH)"
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash >= 5 (EPOCHREALTIME)"
for v in $WIDTHS $NS; do case $v in *[!0-9]*|0*) die "widths and n must be positive integers (got '$v')" ;; esac; done

mkdir -p "$RESULTS"
# Runs happen in a private directory with a private copy of the binary: a
# rebuild or `make clean` of build/ during the run must not change or
# remove what is measured.  The raw runs are copied to $OUT at the end.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/backprop-scaling.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
BP=$WORK/backprop
cp "$SRC_BP" "$BP"

# ------------------------------------------------------------ one run
# bp_run SWEEP X EPOCHS: one training run; prints its µs/epoch.
bp_run() {
    local sweep=$1 x=$2 e=$3 n w err
    if [ "$sweep" = width ]; then n=$WIDTH_N w=$x; else n=$x w=$N_WIDTH; fi
    err=$WORK/$sweep.$x.err
    if ! "$BP" train --data linear --n "$n" --hidden "$w,$w" --epochs "$e" \
           --quiet --timing >/dev/null 2>"$err"; then
        die "backprop failed at $sweep=$x: $(head -n 3 "$err" | tr '\n' ' ')"
    fi
    local t
    t=$(sed -n 's/^backprop: trained [0-9]* epochs in \([0-9.eE+-]*\) s.*/\1/p' "$err" | tail -n 1)
    [ -n "$t" ] || die "no --timing line at $sweep=$x; stderr: $(head -n 3 "$err" | tr '\n' ' ')"
    awk -v t="$t" -v e="$e" 'BEGIN { printf "%.6g\n", 1e6 * t / e }'
}

# calibrate SWEEP X: epochs for one run of about TARGET seconds (at least
# 3).  A first probe of 3 epochs (its first epoch pays the page faults of
# the fresh buffers), then one of about a quarter of the target when the
# first allows more than 3 epochs.
calibrate() {
    local sweep=$1 x=$2 u e
    u=$(bp_run "$sweep" "$x" 3)
    e=$(awk -v u="$u" -v t="$TARGET" 'BEGIN { e = int(0.25 * t * 1e6 / u); print (e < 3 ? 3 : e) }')
    if [ "$e" -gt 3 ]; then u=$(bp_run "$sweep" "$x" "$e"); fi
    awk -v u="$u" -v t="$TARGET" 'BEGIN { e = int(t * 1e6 / u + 0.5); print (e < 3 ? 3 : e) }'
}

START=$EPOCHREALTIME
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
POINTS=()
for w in $WIDTHS; do POINTS+=("width $w"); done
for n in $NS; do POINTS+=("n $n"); done

say "calibrating ${#POINTS[@]} points to about $TARGET s per run"
declare -A EPOCHS
for p in "${POINTS[@]}"; do
    read -r sweep x <<<"$p"
    EPOCHS[$p]=$(calibrate "$sweep" "$x")
done
for r in $(seq 1 "$REPEATS"); do
    say "round $r of $REPEATS"
    for p in "${POINTS[@]}"; do
        read -r sweep x <<<"$p"
        bp_run "$sweep" "$x" "${EPOCHS[$p]}" >>"$WORK/$sweep.$x.runs"
    done
done
ELAPSED=$(awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')

# ------------------------------------------------------------ the numbers
# flops per epoch of the 2-W-W-1 network on n points: the multiply-adds of
# the three matrix products, 2 flops each,
#   forward            2W + W^2 + W   (input->h1, h1->h2, h2->out)
#   delta back-prop    W + W^2        (out->h2, h2->h1; none into the 2 inputs)
#   weight gradients   2W + W^2 + W
#   total              3W^2 + 7W multiply-adds a point -> 2 n (3W^2 + 7W) flops.
# Sigmoids, biases, the loss and the optimizer step are not counted.
# The working set of an epoch, in doubles: the batch workspace (inputs,
# both hidden layers, the output, two delta buffers of the widest layer and
# the targets, feature-major: 4W + 4 a sample) for the c samples of one
# pass, and the parameters, their gradient and the momentum
# (3 (W^2 + 5W + 1) with the biases).  The trainer takes a full batch in
# passes of c = min(n, about 2 MiB of workspace, at least 256) samples
# (src/train/trainer.c, chunk_limit); a batch that fits one pass is
# transposed into the workspace once and the data set is not touched again.
CSV=$RESULTS/scaling.csv
{
    echo "sweep,width,n,epochs,us_per_epoch_min,us_per_epoch_median,gflops,working_set_mib"
    for p in "${POINTS[@]}"; do
        read -r sweep x <<<"$p"
        if [ "$sweep" = width ]; then n=$WIDTH_N w=$x; else n=$x w=$N_WIDTH; fi
        sort -g "$WORK/$sweep.$x.runs" | awk -v s="$sweep" -v w="$w" -v n="$n" -v e="${EPOCHS[$p]}" '
            { v[NR] = $1 }
            END {
                med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                flops = 2 * n * (3 * w * w + 7 * w)
                units = 4 * w + 4
                fits = int(2097152 / (units * 8))
                lim = fits > 256 ? int(fits / 16) * 16 : 256
                c = n < lim ? n : lim
                ws = 8 * (c * units + 3 * (w * w + 5 * w + 1)) / 1048576
                printf "%s,%d,%d,%d,%.6g,%.6g,%.4g,%.3g\n", s, w, n, e, v[1], med, flops / (v[1] * 1e3), ws
            }'
    done
} >"$CSV"

# fit SWEEP XCOL FROM: least-squares slope of log(us) on log(x) over the
# points with x >= FROM; prints "slope r2 count".
fit() {
    awk -F, -v s="$1" -v c="$2" -v from="$3" '
        $1 == s && $c >= from { x = log($c); y = log($5); k++
            sx += x; sy += y; sxx += x * x; sxy += x * y; syy += y * y }
        END {
            if (k < 2) { print "- - 0"; exit }
            b = (k * sxy - sx * sy) / (k * sxx - sx * sx)
            r = (k * sxy - sx * sy) / sqrt((k * sxx - sx * sx) * (k * syy - sy * sy))
            printf "%.3f %.4f %d\n", b, r * r, k
        }' "$CSV"
}
read -r W_SLOPE W_R2 W_K <<<"$(fit width 2 $WIDTH_FIT_FROM)"
read -r N_SLOPE N_R2 N_K <<<"$(fit n 3 $N_FIT_FROM)"
read -r WA_SLOPE WA_R2 WA_K <<<"$(fit width 2 0)"
read -r NA_SLOPE NA_R2 NA_K <<<"$(fit n 3 0)"

# table SWEEP XCOL: one Markdown row a point, with the local exponent
# log(t_i / t_{i-1}) / log(x_i / x_{i-1}) against the previous point.
table() {
    awk -F, -v s="$1" -v c="$2" '
        $1 == s {
            le = px ? sprintf("%.2f", log($5 / pt) / log($c / px)) : "-"
            printf "| %d | %d | %s | %d | %d | %s | %s | %.1f | %s |\n", $2, $3, fmtm($8), $4, \
                   $4 * $5 / 1e3, fmtu($5), fmtu($6), $7, le
            px = $c; pt = $5
        }
        function fmtm(m) { return m < 1 ? sprintf("%.2f", m) : m < 10 ? sprintf("%.1f", m) : sprintf("%.0f", m) }
        function fmtu(u) { return u < 10 ? sprintf("%.2f", u) : u < 1000 ? sprintf("%.1f", u) : sprintf("%.0f", u) }
    ' "$CSV"
}

CPU=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
# Cache sizes of one instance (one core's L1d and L2, the shared L3).
cache_bytes() { lscpu --caches=NAME,ONE-SIZE --bytes 2>/dev/null | awk -v c="$1" '$1 == c { print $2 }'; }
L1D=$(cache_bytes L1d) L2=$(cache_bytes L2) L3=$(cache_bytes L3)
kib() { case $1 in '') echo "?" ;; *) awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%g MiB", b / 1048576; else printf "%g KiB", b / 1024 }' ;; esac; }
CACHES="L1d $(kib "$L1D") a core, L2 $(kib "$L2") a core, L3 $(kib "$L3") shared"
HEAD="| width W | n | working set MiB | epochs a run | ms a run | µs/epoch min | µs/epoch median | GFLOP/s | local exponent |"
SEP="|---|---|---|---|---|---|---|---|---|"
{
    echo "# Benchmark C: how the cost of an epoch grows"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: ${CPU:-unknown CPU}, $(nproc) cores, Linux $(uname -r); caches (lscpu): $CACHES"
    echo "- load average before / after: $LOAD0 / $LOAD1"
    echo "- \`backprop train --data linear --n N --hidden W,W --epochs E --quiet --timing\`: network 2-W-W-1, sigmoid, biases, full batch, momentum 0.9, lr 0.1, float64, one thread; µs/epoch from backprop's \`--timing\` line (training loop only)"
    echo "- E calibrated per point for about $TARGET s a run; $REPEATS runs of each point, round-robin; the minimum is the number (the median shows the noise)"
    echo "- GFLOP/s = 2·n·(3W² + 7W) / time: the multiply-adds of the three matrix products of an epoch (forward 3W + W², delta back-propagation W + W², weight gradients 3W + W²; no delta into the 2 inputs), 2 flops each; sigmoids, biases, loss and optimizer step not counted"
    echo "- working set = 8 bytes × (c (4W + 4) + 3 (W² + 5W + 1)): the workspace of one pass of c = min(n, ~2 MiB of workspace, at least 256) samples (inputs, activations, two delta buffers, targets; a full batch is taken in such passes) and the parameters, their gradient and the momentum"
    echo "- local exponent = log(t_i / t_{i-1}) / log(x_i / x_{i-1}) against the row above: 2 (width) or 1 (n) is the target; a jump marks a cliff"
    echo
    echo "## Fitted growth exponents (least squares on log-log)"
    echo
    echo "| sweep | points fitted | exponent | R² | target |"
    echo "|---|---|---|---|---|"
    echo "| width (n = $WIDTH_N) | W ≥ $WIDTH_FIT_FROM ($W_K points) | **$W_SLOPE** | $W_R2 | 2 |"
    echo "| width (n = $WIDTH_N) | all ($WA_K points) | $WA_SLOPE | $WA_R2 | (2) |"
    echo "| n (W = $N_WIDTH) | n ≥ $N_FIT_FROM ($N_K points) | **$N_SLOPE** | $N_R2 | 1 |"
    echo "| n (W = $N_WIDTH) | all ($NA_K points) | $NA_SLOPE | $NA_R2 | (1) |"
    echo
    echo "## Width sweep: --n $WIDTH_N --hidden W,W"
    echo
    echo "$HEAD"
    echo "$SEP"
    table width 2
    echo
    echo "## n sweep: --n N --hidden $N_WIDTH,$N_WIDTH"
    echo
    echo "$HEAD"
    echo "$SEP"
    table n 3
    echo
    echo "Total benchmark time ${ELAPSED} s. Numbers: \`$CSV\`; raw runs: \`$OUT/\`. Plot: \`$RESULTS/scaling.png\`."
} >"$RESULTS/scaling.md"

mkdir -p "$OUT"
rm -f "$OUT"/*.runs "$OUT"/*.err
cp "$WORK"/*.runs "$WORK"/*.err "$OUT"/ 2>/dev/null || say "could not keep the raw runs in $OUT"

# ------------------------------------------------------------ the plot
if [ -x "$PY" ] && "$PY" -c 'import matplotlib' 2>/dev/null; then
    "$PY" bench/scaling_plot.py "$CSV" "$RESULTS/scaling.png" \
        --title "backprop: cost of an epoch (${CPU:-unknown CPU}, $(date -u '+%Y-%m-%d'))" \
        --fit-width "$WIDTH_FIT_FROM" --fit-n "$N_FIT_FROM" \
        ${L2:+--l2 "$L2"} ${L3:+--l3 "$L3"} ||
        say "the plot failed (see above); the tables are written"
else
    say "python3-matplotlib missing (apt-get install python3-matplotlib): $RESULTS/scaling.png not drawn"
fi

cat "$RESULTS/scaling.md"
say "wrote $RESULTS/scaling.md, $CSV and $RESULTS/scaling.png in $ELAPSED s"
