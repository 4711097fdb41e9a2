#!/bin/sh
# output_errors.sh - every command checks what it writes on stdout.
#
# Each command (train on generated data and on a CSV, test, predict, trace,
# gradcheck, lab, plot, and --help and --version) is run with stdout on a
# full disk (>/dev/full) and with stdout closed (>&-).  Each must exit 1
# with exactly one line "backprop: error: cannot write to standard
# output..." on stderr, never exit 0 with its output lost.  A file the
# command opens while stdout is closed must not become its stdout (the
# model file stays a model).  And when stdout and stderr go to one pipe,
# stderr's notes come after the stdout lines printed before them.
# One line per check, "PASS name" or "FAIL name: reason"; exit 1 on failure.
set -u
. "$(dirname "$0")/lib.sh"
bp_test_setup output-errors
cd "$tmp" || exit 1

awk 'BEGIN { srand(5); print "a,b,kind";
    for (i = 0; i < 90; i++) { c = i % 3;
        printf "%.4f,%.4f,%s\n", c + rand() / 2, rand(), c == 0 ? "red" : c == 1 ? "green" : "blue" } }' >small.csv
if ! "$BP" train --data xor --epochs 20 --quiet --model xor.bpm >/dev/null 2>&1 ||
   ! "$BP" train --data small.csv --epochs 5 --quiet --model small.bpm >/dev/null 2>&1; then
    fail output-errors-setup "cannot train the models"
    exit 1
fi
printf '0,1\n1,1\n' >rows.txt
printf 'epoch,loss,accuracy\n1,0.5,50\n2,0.25,75\n' >hist.csv

# check NAME HOW COMMAND...: HOW is full or closed
check() {
    name=$1 how=$2
    shift 2
    if [ "$how" = full ]; then
        "$@" >/dev/full 2>err.txt <rows.txt
    else
        "$@" >&- 2>err.txt <rows.txt
    fi
    rc=$?
    lines=$(wc -l <err.txt)
    if grep -q 'ERROR: [A-Za-z]*Sanitizer\|runtime error:\|==[0-9][0-9]*== ' err.txt; then
        fail "$name-$how" "memory error: $(grep -m1 'ERROR\|runtime error\|==[0-9][0-9]*== ' err.txt)"
    elif [ "$rc" -ne 1 ]; then
        fail "$name-$how" "exit status $rc, expected 1: $(first_err err.txt)"
    elif ! grep -q '^backprop: error: cannot write to standard output' err.txt; then
        fail "$name-$how" "no write error: $(first_err err.txt)"
    elif [ "$(grep -c '^backprop: error: ' err.txt)" -ne 1 ]; then
        fail "$name-$how" "$(grep -c '^backprop: error: ' err.txt) error lines"
    else
        pass "$name-$how"
    fi
}

for how in full closed; do
    check train-xor $how "$BP" train --data xor --epochs 200
    check train-quiet $how "$BP" train --data xor --epochs 20 --quiet
    check train-csv $how "$BP" train --data small.csv --epochs 3 --split 0.2
    check test-xor $how "$BP" test --model xor.bpm --data xor
    check test-csv $how "$BP" test --model small.bpm --data small.csv
    check predict $how "$BP" predict --model xor.bpm
    check predict-input $how "$BP" predict --model xor.bpm --input rows.txt
    check trace $how "$BP" trace
    check trace-markdown $how "$BP" trace --markdown
    check gradcheck $how "$BP" gradcheck
    check lab $how "$BP" lab --seeds 1 --epochs 5 --data xor --out "lab-$how"
    check help $how "$BP" --help
    check version $how "$BP" --version
    for c in train test predict trace gradcheck lab plot; do
        check "$c-help" $how "$BP" $c --help
    done
done

# plot writes its figure, not stdout: a closed stdout is no failure
"$BP" plot --out fig.png hist.csv >&- 2>err.txt
rc=$?
if [ "$rc" -eq 0 ] || grep -q 'not built with PLplot\|PLplot' err.txt; then
    pass plot-closed-stdout-unused
else
    fail plot-closed-stdout-unused "exit $rc: $(first_err err.txt)"
fi

# stdout closed while the command opens files: the model must not receive
# the log lines (the descriptor 1 is not handed to the model file)
"$BP" train --data xor --epochs 200 --model closed.bpm >&- 2>err.txt
rc=$?
if [ "$rc" -eq 1 ] && "$BP" test --model closed.bpm --data xor >/dev/null 2>err2.txt; then
    pass closed-stdout-model-intact
else
    fail closed-stdout-model-intact "exit $rc; test: $(first_err err2.txt)"
fi

# one pipe for both streams: --timing's line comes after the epoch lines
# and before "Testing ...", where train printed it
"$BP" train --data xor --epochs 200 --timing >both.txt 2>&1
line_of() { grep -n "$1" both.txt | head -n 1 | cut -d: -f1; }
e=$(line_of '^epoch 200 ') t=$(line_of '^backprop: trained') s=$(line_of '^Testing')
if [ -n "$e" ] && [ -n "$t" ] && [ -n "$s" ] && [ "$e" -lt "$t" ] && [ "$t" -lt "$s" ]; then
    pass stderr-after-stdout-lines
else
    fail stderr-after-stdout-lines "lines of epoch 200, timing, Testing: '$e' '$t' '$s'"
fi
# an error after output: the message is the last line
printf '0,1\nx,y\n' | "$BP" predict --model xor.bpm >both.txt 2>&1
if tail -n 1 both.txt | grep -q '^backprop: error: ' && [ "$(wc -l <both.txt)" -eq 2 ]; then
    pass error-after-output
else
    fail error-after-output "$(tr '\n' '|' <both.txt)"
fi

exit $status
