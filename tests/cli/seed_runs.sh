#!/bin/sh
# seed_runs.sh - the seed report's runs and the gradient check.
#
#   BP=build/backprop sh tests/cli/seed_runs.sh
#
# Checks that
#   - "backprop lab" prints both experiments (linear, then XOR), each
#     ending with "accuracy : 100.0 %", each the same as the
#     corresponding "train --preset seed" run;
#   - "train --preset seed --data xor" and "--data linear" print the 50
#     lines "epoch 100 loss : L" ... "epoch 5000 loss : L", with finite
#     positive losses and the last below the first;
#   - with weight seeds 1..20 (1..6 under the sanitizers) both data sets
#     reach "accuracy : 100.0 %", in double and in float (--dtype f32);
#   - "gradcheck --hidden 5,4 --data xor" passes for every hidden activation
#     (sigmoid tanh relu none) x loss (bce mse) x bias / no bias, and also
#     for --preset seed; with --tolerance 1e-300 it fails (exit 1), which
#     shows that the check can fail.
# One line per check, "PASS <name>" or "FAIL <name>: <reason>"; exit 0 when
# every check passed, else 1.
set -u

. "$(dirname "$0")/lib.sh"
bp_test_setup seed-runs

cd "$tmp" || exit 1   # lab may write files: keep them out of the tree

# ------------------------------------------------- train --preset seed

# epochs_ok FILE: prints nothing when FILE holds exactly the 50 lines
# "epoch 100 loss : L" ... "epoch 5000 loss : L" in order, every L a finite
# positive number and the last L below the first; else the reason.
epochs_ok() {
    grep '^epoch ' "$1" | awk '
        {
            want = 100 * NR
            if ($0 !~ /^epoch [0-9]+ loss : [0-9.e+-]+$/) { print "malformed line: " $0; bad = 1; exit }
            if ($2 != want) { print "line " NR " is epoch " $2 ", expected " want; bad = 1; exit }
            v = $5 + 0
            if (!(v > 0) || v > 1e300) { print "loss at epoch " $2 " is " $5; bad = 1; exit }
            if (NR == 1) first = v
            last = v
        }
        END {
            if (bad) exit
            if (NR != 50) { print NR " epoch lines, expected 50"; exit }
            if (!(last < first)) print "loss did not fall: " first " at epoch 100, " last " at epoch 5000"
        }'
}

for data in linear xor; do
    name=train-seed-$data
    if ! "$BP" train --preset seed --data "$data" >"$data.out" 2>"$data.err"; then
        fail "$name" "exit non-zero: $(first_err "$data.err")"
        continue
    fi
    reason=$(epochs_ok "$data.out")
    if [ -z "$reason" ]; then
        pass "$name-epochs"
    else
        fail "$name-epochs" "$reason"
    fi
    if [ "$(head -n 1 "$data.out")" = "Training ..." ] &&
        grep -qx 'Testing \.\.\.' "$data.out" &&
        [ "$(tail -n 1 "$data.out")" = "accuracy : 100.0 %" ]; then
        pass "$name-accuracy"
    else
        fail "$name-accuracy" "expected Training ..., Testing ... and a last line 'accuracy : 100.0 %', got '$(tail -n 1 "$data.out")'"
    fi
done

# -------------------------------------------------------------- lab

# A lab that also writes a report over many seeds (--seeds, --out) is asked
# for one seed only, to stay quick; its stdout is still the two runs.
lab_args=""
if "$BP" lab --help 2>/dev/null | grep -q -e '^ *--seeds '; then
    lab_args="--seeds 1 --out lab-report"
fi
# shellcheck disable=SC2086
if ! "$BP" lab $lab_args >lab.out 2>lab.err; then
    fail lab "exit non-zero: $(first_err lab.err)"
else
    # The two experiments: the text from each "Training ..." to the next
    # accuracy line.
    awk '/^Training \.\.\.$/ { k = ++runs } k { print > ("lab." k) } /^accuracy / { k = 0 }' lab.out
    n=$(grep -c '^accuracy : ' lab.out)
    n100=$(grep -c '^accuracy : 100\.0 %$' lab.out)
    if [ "$n" -eq 2 ] && [ "$n100" -eq 2 ] && [ -s lab.1 ] && [ -s lab.2 ] && [ ! -e lab.3 ]; then
        pass lab-two-experiments-100-percent
    else
        fail lab-two-experiments-100-percent "$n accuracy lines, $n100 of them 'accuracy : 100.0 %'"
    fi
    lin=$(grep -n -i 'linear' lab.out | head -n 1 | cut -d: -f1)
    xor=$(grep -n -i 'xor' lab.out | head -n 1 | cut -d: -f1)
    second=$(grep -n '^Training \.\.\.$' lab.out | sed -n 2p | cut -d: -f1)
    if [ -n "$lin" ] && [ -n "$xor" ] && [ -n "$second" ] &&
        [ "$lin" -lt "$xor" ] && [ "$xor" -lt "$second" ]; then
        pass lab-titles
    else
        fail lab-titles "expected a linear title, then an XOR title before the second run"
    fi
    k=1
    for data in linear xor; do
        if [ -s "$data.out" ] && [ -s "lab.$k" ] && cmp -s "$data.out" "lab.$k"; then
            pass "lab-$data-equals-train"
        else
            fail "lab-$data-equals-train" "lab's run $k differs from train --preset seed --data $data"
        fi
        k=$((k + 1))
    done
fi

# ------------------------------------------------------ seeds 1 to 20

# Under the sanitizers (make test-asan sets BP_SANITIZED; the binary is
# about 3 times slower) seeds 1 to 6 are enough to look for memory errors.
last_seed=20
if [ -n "${BP_SANITIZED:-}" ]; then
    last_seed=6
else
    case $BP in *asan*) last_seed=6 ;; esac
fi

# seeds FIRST: runs seeds FIRST, FIRST + 2, ... up to last_seed on both
# data sets, in double and in float (--dtype f32); the seeds that do not
# reach 100 % go into seeds.DATA.DTYPE.FIRST.  Two workers (odd and even
# seeds) share the two cores evenly.
seeds() {
    for dt in f64 f32; do
        : >"seeds.linear.$dt.$1"
        : >"seeds.xor.$dt.$1"
    done
    s=$1
    while [ "$s" -le "$last_seed" ]; do
        for data in linear xor; do
            for dt in f64 f32; do
                "$BP" train --preset seed --quiet --data "$data" --seed "$s" \
                    --dtype "$dt" >"seed.$1.out" 2>&1
                if [ "$(tail -n 1 "seed.$1.out")" != "accuracy : 100.0 %" ]; then
                    echo "$s ($(tail -n 1 "seed.$1.out"))" >>"seeds.$data.$dt.$1"
                fi
            done
        done
        s=$((s + 2))
    done
}
seeds 1 &
seeds 2
wait
for data in linear xor; do
    for dt in f64 f32; do
        cat "seeds.$data.$dt.1" "seeds.$data.$dt.2" | sort -n >"seeds.$data.$dt"
        if [ -s "seeds.$data.$dt" ]; then
            fail "seeds-1-$last_seed-$data-$dt" "seeds below 100 %: $(tr '\n' ' ' <"seeds.$data.$dt")"
        else
            pass "seeds-1-$last_seed-$data-$dt"
        fi
    done
done

# -------------------------------------------------------- gradcheck

for act in sigmoid tanh relu none; do
    for loss in bce mse; do
        for bias in bias no-bias; do
            name=gradcheck-$act-$loss-$bias
            "$BP" gradcheck --hidden 5,4 --data xor --activation "$act" \
                --loss "$loss" "--$bias" >gc.out 2>gc.err
            rc=$?
            if [ "$rc" -eq 0 ] && grep -q '^gradcheck: .*max relative error' gc.out; then
                pass "$name"
            else
                fail "$name" "exit $rc: $(first_err gc.out) $(first_err gc.err)"
            fi
        done
    done
done

"$BP" gradcheck --preset seed >gc.out 2>gc.err
rc=$?
if [ "$rc" -eq 0 ]; then
    pass gradcheck-preset-seed
else
    fail gradcheck-preset-seed "exit $rc: $(first_err gc.err)"
fi

"$BP" gradcheck --hidden 5,4 --data xor --tolerance 1e-300 >gc.out 2>gc.err
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <gc.err | tr -d ' ')" -eq 1 ] &&
    grep -q '^backprop: error: .*tolerance' gc.err; then
    pass gradcheck-can-fail
else
    fail gradcheck-can-fail "exit $rc (expected 1), stderr: $(first_err gc.err)"
fi

exit "$status"
