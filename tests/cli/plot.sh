#!/bin/sh
# plot.sh - backprop plot and train --plot from the command line: the
# figures are written, and every bad input gets one line and exit 2 with
# nothing left behind.
set -u
. "$(dirname "$0")/lib.sh"
bp_test_setup plot
cd "$tmp" || exit 1

for lr in 0.1 1; do
    "$BP" train --preset seed --data xor --lr $lr --epochs 300 --quiet \
        --history "h$lr.csv" >/dev/null 2>&1
done
"$BP" plot --out lr.png --title "learning rates" --label "lr 0.1" h0.1.csv \
    --label "lr 1" h1.csv >out 2>err
rc=$?
if [ $rc -eq 0 ] && [ -s lr.png ] && [ "$(head -c 4 lr.png | tail -c 3)" = PNG ]; then
    pass plot-png
else
    fail plot-png "exit $rc: $(cat err)"
fi
"$BP" plot --out band.svg --band --label a h0.1.csv h1.csv >/dev/null 2>err &&
    grep -q '<svg' band.svg && pass plot-band-svg || fail plot-band-svg "$(cat err)"
"$BP" train --preset seed --data xor --epochs 300 --quiet --plot figs >/dev/null 2>err
[ -s figs/comparison.png ] && [ -s figs/learning-curve.png ] &&
    [ -s figs/decision-boundary.png ] && pass train-plot || fail train-plot "$(cat err)"

bad() { # name pattern args...: exit 2, one stderr line with pattern, no file
    name=$1 pattern=$2
    shift 2
    "$BP" "$@" >out 2>err
    rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l <err)" -eq 1 ] && grep -q -- "$pattern" err &&
       [ -z "$(find . -name '*.tmp.*')" ] && [ ! -e x.png ] && [ ! -e x.gif ]; then
        pass "$name"
    else
        fail "$name" "exit $rc: $(cat err)"
    fi
}
printf 'epoch,loss,accuracy\n1,0.5,50\n2,oops,50\n' >broken.csv
printf '' >empty.csv
printf 'epoch,loss,accuracy\n1,0.5,50\n3,0.4,50\n' >gap.csv
bad plot-missing-file 'nothere.csv' plot --out x.png nothere.csv
bad plot-malformed 'broken.csv:3' plot --out x.png broken.csv
bad plot-empty 'empty.csv' plot --out x.png empty.csv
bad plot-epoch-gap 'gap.csv:3' plot --out x.png gap.csv
bad plot-extension 'x.gif' plot --out x.gif h1.csv
bad plot-no-out '--out' plot h1.csv
bad plot-no-files 'history' plot --out x.png
bad plot-unknown-option '--frobnicate' plot --frobnicate --out x.png h1.csv
bad plot-unwritable 'nodir' plot --out nodir/x.png h1.csv
bad train-plot-unwritable '/proc' train --data xor --epochs 5 --plot /proc/nope
exit $status
