#!/bin/sh
# file_defaults.sh - train's defaults for files (scikit-learn's MLP: one
# hidden layer of 100 relu units, adam, at most 200 epochs and the
# tol / n_iter_no_change stopping rule), the seed's sets untouched, and the
# output for people: a bounded epoch log, --timing's units, the note when
# nothing is saved and the progress bar only on a terminal.
set -u
. "$(dirname "$0")/lib.sh"
bp_test_setup file-defaults
cd "$tmp" || exit 1

# a ring inside a disc: no straight line separates it
awk 'BEGIN { srand(11); print "x,y,class";
    for (i = 0; i < 600; i++) { a = 2 * rand() - 1; b = 2 * rand() - 1;
        printf "%.5f,%.5f,%s\n", a, b, (a * a + b * b < 0.4 ? "in" : "out") } }' >ring.csv

# no option at all: the network and optimizer scikit-learn would choose
"$BP" train --data ring.csv --split 0.25 --model ring.bpm --timing >ring.out 2>ring.err
rc=$?
acc=$(sed -n 's/^test accuracy : \([0-9.]*\) %$/\1/p' ring.out)
ep=$(sed -n 's/^backprop: trained \([0-9]*\) epochs.*/\1/p' ring.err)
if [ $rc -eq 0 ] && grep -q '"sizes":"2,100,1","hidden_activation":"relu"' ring.bpm &&
   [ -n "$acc" ] && awk -v a="$acc" 'BEGIN { exit !(a >= 85) }' &&
   [ -n "$ep" ] && [ "$ep" -le 200 ]; then
    pass defaults-sklearn-network
else
    fail defaults-sklearn-network "exit $rc, accuracy '$acc', epochs '$ep': $(head -c 300 ring.bpm | tr -d '\0')"
fi

# the epoch log is bounded (about 20 lines, every 10th of 200 epochs), and
# the last epoch run is printed
lines=$(grep -c '^epoch ' ring.out)
last=$(grep '^epoch ' ring.out | tail -n 1 | cut -d' ' -f2)
if [ "$lines" -ge 2 ] && [ "$lines" -le 21 ] && [ "$last" = "$ep" ]; then
    pass defaults-bounded-log
else
    fail defaults-bounded-log "$lines epoch lines, last '$last', trained '$ep'"
fi

# --timing in sensible units: a number below 1000 with one or two decimals
# and its unit, not "0.031234 s (156.170 us/epoch)"
if grep -Eq '^backprop: trained [0-9]+ epochs in [0-9]{1,3}\.[0-9]{1,2} (us|ms|s|min|h) \([0-9]{1,3}\.[0-9]{1,2} (us|ms|s|min|h)/epoch\)$' ring.err; then
    pass timing-units
else
    fail timing-units "$(grep trained ring.err)"
fi

# the note when a file-data training is not saved: once, and only then
"$BP" train --data ring.csv --epochs 3 --quiet >/dev/null 2>nosave.err
"$BP" train --data xor --epochs 3 --quiet >/dev/null 2>xor.err
if [ "$(grep -c 'not saved' nosave.err)" = 1 ] && ! grep -q 'not saved' ring.err &&
   ! grep -q 'not saved' xor.err; then
    pass note-not-saved
else
    fail note-not-saved "$(cat nosave.err)"
fi

# the rule: --tol 1 counts no epoch after the first as progress, so with
# --n-iter-no-change 2 (more than 2 epochs without) training stops at 4,
# as scikit-learn's _update_no_improvement_count does
"$BP" train --data ring.csv --tol 1 --n-iter-no-change 2 --quiet --timing \
    >/dev/null 2>rule.err
if grep -q '^backprop: stopped at epoch 4: the training loss has not improved by --tol 1 for 3 epochs$' rule.err &&
   grep -q '^backprop: trained 4 epochs' rule.err; then
    pass rule-stops
else
    fail rule-stops "$(cat rule.err)"
fi
# the same on the validation loss with --val-split, keeping the weights of
# the lowest validation loss
"$BP" train --data ring.csv --val-split 0.25 --tol 1 --n-iter-no-change 2 \
    --quiet >/dev/null 2>val.err
grep -q 'early stop at epoch 4: the validation loss has not improved by --tol for 3 epochs; keeping the weights of epoch [1-4]$' val.err &&
    pass rule-validation || fail rule-validation "$(cat val.err)"

# on the validation loss the best epoch's weights are kept when the epochs
# run out too: the model equals one trained for exactly that many epochs
awk 'BEGIN { srand(5); print "a,b,c,y"; for (i = 0; i < 200; i++) printf "%.4f,%.4f,%.4f,%s\n", rand(), rand(), rand(), (rand() < 0.5 ? "p" : "q") }' >noise.csv
"$BP" train --data noise.csv --val-split 0.25 --lr 0.05 --epochs 40 --n-iter-no-change 100 \
    --quiet --model best.bpm >/dev/null 2>best.err
best=$(sed -n 's/^backprop: keeping the weights of epoch \([0-9]*\), the lowest validation loss$/\1/p' best.err)
if [ -n "$best" ] && [ "$best" -lt 40 ] &&
   grep -q 'the stopping rule did not end training within 40 epochs, the most (--epochs)' best.err; then
    "$BP" train --data noise.csv --val-split 0.25 --lr 0.05 --epochs "$best" \
        --quiet --model exact.bpm >/dev/null 2>&1
    "$BP" test --model best.bpm --data noise.csv >best.out 2>&1
    "$BP" test --model exact.bpm --data noise.csv >exact.out 2>&1
    cmp -s best.out exact.out && pass rule-best-weights-at-end ||
        fail rule-best-weights-at-end "the kept weights are not epoch $best's"
else
    fail rule-best-weights-at-end "$(cat best.err)"
fi

# an explicit --epochs trains exactly that many; with a rule option it is
# the most; --n-iter-no-change 0 turns the rule off; --preset seed on a
# file trains the seed's 5000 epochs
ep_of() { "$BP" train --quiet --timing "$@" 2>&1 >/dev/null |
              sed -n 's/^backprop: trained \([0-9]*\) epochs.*/\1/p'; }
got="$(ep_of --data ring.csv --epochs 7) $(ep_of --data ring.csv --epochs 3 --tol 1 --n-iter-no-change 2)"
got="$got $(ep_of --data ring.csv --epochs 6 --tol 1 --n-iter-no-change 2)"
got="$got $(ep_of --data ring.csv --tol 1 --n-iter-no-change 0 --epochs 9)"
got="$got $(ep_of --data xor) $(ep_of --data xor --tol 1 --n-iter-no-change 1)"
got="$got $(ep_of --data ring.csv --preset seed)"
want="7 3 4 9 5000 3 5000"
[ "$got" = "$want" ] && pass rule-epochs || fail rule-epochs "got '$got', want '$want'"

# the seed's sets keep the seed's defaults: 10,10 sigmoid, 5000 epochs
"$BP" train --data xor --model xor.bpm >/dev/null 2>&1
grep -q '"sizes":"2,10,10,1","hidden_activation":"sigmoid"' xor.bpm &&
    pass seed-defaults-kept || fail seed-defaults-kept "$(head -c 200 xor.bpm)"

# any option given keeps its value for files
"$BP" train --data ring.csv --hidden 7 --activation tanh --epochs 2 --quiet \
    --model given.bpm >/dev/null 2>&1
grep -q '"sizes":"2,7,1","hidden_activation":"tanh"' given.bpm &&
    pass given-options-kept || fail given-options-kept "$(head -c 200 given.bpm)"

# the progress bar: never when stderr is not a terminal ...
"$BP" train --data ring.csv --epochs 30 >/dev/null 2>pipe.err
if ! grep -q 'samples/s' pipe.err && ! tr '\r' '\n' <pipe.err | grep -q left; then
    pass progress-not-on-pipe
else
    fail progress-not-on-pipe "$(cat pipe.err)"
fi
# ... and on one (script(1) gives the command a terminal); --quiet hides it
if command -v script >/dev/null 2>&1; then
    script -qec "'$BP' train --data ring.csv --epochs 30 >/dev/null" tty.log >/dev/null 2>&1
    script -qec "'$BP' train --data ring.csv --epochs 30 --quiet >/dev/null" quiet.log >/dev/null 2>&1
    if grep -q 'epoch 30/30 \[=*\] [0-9.]*[kM]\{0,1\} samples/s, 0:00 left' tty.log &&
       ! grep -q 'samples/s' quiet.log; then
        pass progress-on-terminal
    else
        fail progress-on-terminal "$(tr '\r' '\n' <tty.log | head -5)"
    fi
else
    pass progress-on-terminal-skipped
fi
exit $status
