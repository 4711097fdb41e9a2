#!/bin/sh
# train_outputs.sh - train checks every output before the first epoch (two
# outputs on one file, through links too; a folder that takes no file),
# refuses options that do not apply to the data (train and test), and
# refuses network options that contradict --resume's model.
set -u
. "$(dirname "$0")/lib.sh"
bp_test_setup train-outputs
cd "$tmp" || exit 1

awk 'BEGIN { srand(2); print "a,b,c";
    for (i = 0; i < 60; i++) { a = rand(); b = rand(); printf "%.4f,%.4f,%s\n", a, b, (a > b ? "p" : "q") } }' >d.csv

# refused up front: exit 2, one "backprop: error:" line naming PATTERN,
# nothing on stdout (no "Training ..."), no file written
refused() { # name pattern args...
    name=$1 pattern=$2
    shift 2
    "$BP" "$@" >out 2>err
    rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l <err)" -eq 1 ] && grep -q '^backprop: error: ' err &&
       grep -q -- "$pattern" err && [ ! -s out ]; then
        pass "$name"
    else
        fail "$name" "exit $rc: $(first_err err) / $(head -c 100 out)"
    fi
}

refused same-model-history "--model and --history name one file" \
    train --data xor --epochs 3 --model out.x --history out.x
[ ! -e out.x ] && pass same-path-nothing-written || fail same-path-nothing-written "out.x exists"
mkdir -p sub
refused same-model-history-dotdir "one file" \
    train --data xor --epochs 3 --model out.x --history ./sub/../out.x
refused same-model-history-relative "one file" \
    train --data xor --epochs 3 --model sub/../out.x --history out.x
touch target.csv
ln -s target.csv link.csv
ln target.csv hard.csv
refused same-symlink "one file" train --data xor --epochs 3 --model link.csv --history target.csv
refused same-hardlink "one file" train --data xor --epochs 3 --model hard.csv --history target.csv
ln -s nothere.bpm dangling
refused same-dangling-symlink "one file" train --data xor --epochs 3 --model dangling --history nothere.bpm
refused same-plot-history "--history and --plot" train --data xor --epochs 3 --history figs --plot figs

# an output whose folder takes no file is refused before training
refused model-proc "/proc/x" train --data xor --epochs 3 --model /proc/x
refused history-proc "/proc/x" train --data xor --epochs 3 --history /proc/x
mkdir adir
refused model-folder "it is a folder" train --data xor --epochs 3 --model adir
refused model-missing-dir "/nonexistent/dir/f" train --data xor --epochs 3 --model /nonexistent/dir/f
# and nothing is left behind by the check
"$BP" train --data xor --epochs 3 --quiet --model ok.bpm --history ok.csv >/dev/null 2>&1
[ -s ok.bpm ] && [ -s ok.csv ] && [ -z "$(ls -A | grep probe)" ] &&
    pass probe-leaves-nothing || fail probe-leaves-nothing "$(ls -A)"

# options that do not apply are refused, not dropped
refused test-with-xor "option --test: --data xor" train --data xor --test d.csv
refused split-with-linear "option --split: --data linear" train --data linear --split 0.5
refused labels-with-xor "option --labels: --data xor takes no label file" \
    train --data xor --labels d.csv
refused labels-missing "option --labels: cannot read 'nothere.idx'" \
    train --data d.csv --labels nothere.idx
refused test-labels-without-test "option --test-labels: it labels --test" \
    train --data d.csv --test-labels d.csv
refused test-labels-missing "option --test-labels: cannot read 'nothere.idx'" \
    train --data d.csv --test d.csv --test-labels nothere.idx
refused test-labels-with-xor "option --test-labels" train --data xor --test-labels d.csv
"$BP" train --data d.csv --epochs 2 --quiet --model d.bpm >/dev/null 2>&1
refused test-cmd-labels-xor "option --labels: --data xor takes no label file" \
    test --model ok.bpm --data xor --labels d.csv
refused test-cmd-labels-missing "option --labels: cannot read 'nothere.idx'" \
    test --model d.bpm --data d.csv --labels nothere.idx

refused header-with-xor "option --header: --data xor is not a CSV file" \
    train --data xor --header yes
refused delimiter-with-fashion "option --delimiter: --data fashion-mnist is not a CSV file" \
    train --data fashion-mnist --delimiter ';'
refused label-with-linear "option --label: --data linear is not a CSV file" \
    train --data linear --label y
refused task-with-xor "option --task: applies to files, not --data xor" \
    train --data xor --task regression
refused limit-with-xor "option --limit: applies to files" train --data xor --limit 2
refused no-standardize-with-xor "option --no-standardize" train --data xor --no-standardize
refused test-cmd-header-xor "option --header: --data xor is not a CSV file" \
    test --model ok.bpm --data xor --header no
refused test-cmd-limit-xor "option --limit" test --model ok.bpm --data xor --limit 3
refused loss-with-file "option --loss: d.csv takes bce (its labels choose the loss), not mse" \
    train --data d.csv --loss mse
"$BP" train --data d.csv --loss bce --epochs 1 --quiet >/dev/null 2>err &&
    pass loss-matching-file || fail loss-matching-file "$(first_err err)"

# --resume: network options must match the saved model
"$BP" train --data d.csv --hidden 6 --activation tanh --epochs 2 --quiet \
    --model r.bpm >/dev/null 2>&1
refused resume-hidden "option --hidden: 50 contradicts the model r.bpm (6)" \
    train --data d.csv --resume r.bpm --hidden 50
refused resume-activation "option --activation: relu contradicts the model r.bpm (tanh)" \
    train --data d.csv --resume r.bpm --activation relu
refused resume-no-bias "option --no-bias" train --data d.csv --resume r.bpm --no-bias
refused resume-loss "option --loss" train --data d.csv --resume r.bpm --loss mse
refused resume-init "option --init" train --data d.csv --resume r.bpm --init he
"$BP" train --data d.csv --resume r.bpm --hidden 6 --activation tanh --epochs 2 \
    --quiet >/dev/null 2>err && pass resume-matching-options ||
    fail resume-matching-options "$(first_err err)"
exit $status
