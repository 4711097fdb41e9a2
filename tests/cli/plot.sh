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
# history files: numbers in shortest round-trip form (every number reads
# back as the same double and is Python's repr of it)
"$BP" train --preset seed --data xor --epochs 300 --quiet --history hr.csv \
    >/dev/null 2>&1
if [ -x /usr/bin/python3 ]; then
    /usr/bin/python3 - hr.csv >repr.out 2>&1 <<'PY'
import sys
rows = open(sys.argv[1]).read().split()[1:]
bad = [v for r in rows for v in r.split(',')[1:] if repr(float(v)) != v]
print(len(rows), "rows", len(bad), "not shortest:", bad[:3])
sys.exit(1 if bad or len(rows) != 300 else 0)
PY
    [ $? -eq 0 ] && pass history-shortest-repr || fail history-shortest-repr "$(cat repr.out)"
fi

# columns: validation loss beside the training loss, several at once
awk 'BEGIN { srand(3); print "a,b,y"; for (i = 0; i < 120; i++) { a = rand(); b = rand(); printf "%.3f,%.3f,%s\n", a, b, (a > b ? "yes" : "no") } }' >ab.csv
"$BP" train --data ab.csv --val-split 0.25 --epochs 40 --quiet --history hv.csv \
    --plot vfigs >/dev/null 2>err
[ "$(head -1 hv.csv)" = "epoch,loss,accuracy,val_loss,val_accuracy" ] &&
    [ -s vfigs/learning-curve.png ] && [ -s vfigs/decision-boundary.png ] &&
    pass train-plot-val || fail train-plot-val "$(cat err)"
# the validation loss is the second curve: tab:orange
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import PIL' 2>/dev/null; then
    n=$(/usr/bin/python3 -c '
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
print(sum(1 for p in im.getdata()
          if abs(p[0] - 255) + abs(p[1] - 127) + abs(p[2] - 14) < 40))
' vfigs/learning-curve.png)
    [ "$n" -gt 300 ] && pass learning-curve-val ||
        fail learning-curve-val "$n orange pixels"
fi
"$BP" plot --out cols.png --column loss,val_loss hv.csv >out 2>err &&
    [ "$(head -c 4 cols.png | tail -c 3)" = PNG ] &&
    pass plot-columns || fail plot-columns "$(cat err)"
"$BP" plot --out acc.svg --column val_accuracy --label a hv.csv --label b hv.csv \
    >out 2>err && grep -q '<svg' acc.svg && pass plot-column-accuracy ||
    fail plot-column-accuracy "$(cat err)"
# --column on a file without it, unknown and repeated names
bad plot-column-missing "h1.csv has no column 'val_loss' (its columns: loss, accuracy)" \
    plot --out x.png --column loss,val_loss hv.csv h1.csv
bad plot-column-unknown "hv.csv has no column 'lr'" plot --out x.png --column lr hv.csv
bad plot-column-repeated "--column takes" plot --out x.png --column loss,loss hv.csv
bad plot-column-empty "--column takes" plot --out x.png --column '' hv.csv
# ranges an axis cannot show: refused with the values; a log axis draws them
printf 'epoch,loss,accuracy\n1,1e308,50\n2,-1e308,50\n3,5,50\n' >huge.csv
printf 'epoch,loss,accuracy\n1,1.7e308,50\n2,1.7e308,50\n' >max.csv
bad plot-huge-range 'y values from -1e+308 to 1e+308' plot --out x.png huge.csv
bad plot-max-range 'a logarithmic y axis shows them (--log-y)' plot --out x.png max.csv
"$BP" plot --out hl.png --log-y huge.csv max.csv >out 2>err && [ -s hl.png ] &&
    pass plot-huge-log || fail plot-huge-log "$(cat err)"
printf 'epoch,loss,accuracy\n1,1e-320,50\n2,4e-320,50\n' >tiny.csv
printf 'epoch,loss,accuracy\n1,3,50\n' >single.csv
"$BP" plot --out tl.png tiny.csv single.csv >out 2>err && [ -s tl.png ] &&
    "$BP" plot --out tl2.png --log-y tiny.csv single.csv >out 2>err &&
    [ -s tl2.png ] && pass plot-tiny-single || fail plot-tiny-single "$(cat err)"
exit $status
