#!/bin/sh
# options_text.sh - options and messages for people.
#
#   - names in any case (--optimizer Adam, --activation ReLU, --dtype F32,
#     --epochs Auto, --header YES) train exactly as the lower-case names do;
#   - --epochs 1e3 is --epochs 1000 (same output bytes); 1.5e0, 1e-3 and
#     1e30 are refused saying why;
#   - an unknown name lists the valid ones;
#   - messages show control bytes as '?' and cut long values to 40 bytes
#     with "...";
#   - trace --sample past the end names the set's real size;
#   - the --help texts say what the commands do (test --limit and --model,
#     trace's --no-bias default, lab's --seeds and --threads, trace and
#     gradcheck --data), and lab --seed 5 --seeds 2 runs seeds 5 and 6.
# One line per check, "PASS name" or "FAIL name: reason"; exit 1 on failure.
set -u
. "$(dirname "$0")/lib.sh"
bp_test_setup options-text
cd "$tmp" || exit 1

# same NAME "ARGS A" "ARGS B": both exit 0 with the same stdout
same() {
    "$BP" $2 >a.out 2>a.err
    ra=$?
    "$BP" $3 >b.out 2>b.err
    rb=$?
    if [ $ra -eq 0 ] && [ $rb -eq 0 ] && cmp -s a.out b.out && [ -s a.out ]; then
        pass "$1"
    else
        fail "$1" "exit $ra/$rb: $(first_err a.err) $(first_err b.err)"
    fi
}
same case-optimizer "train --data xor --epochs 50 --optimizer Adam --lr 0.01" \
    "train --data xor --epochs 50 --optimizer adam --lr 0.01"
same case-activation "train --data xor --epochs 50 --activation ReLU" \
    "train --data xor --epochs 50 --activation relu"
same case-dtype "train --data xor --epochs 50 --dtype F32" \
    "train --data xor --epochs 50 --dtype f32"
same case-init "trace --init XAVIER" "trace --init xavier"
same case-auto "train --data xor --epochs Auto --quiet" "train --data xor --quiet"
same case-loss "gradcheck --loss MSE" "gradcheck --loss mse"
same epochs-scientific "train --data xor --epochs 1e3" "train --data xor --epochs 1000"
same epochs-scientific-fraction "train --data xor --epochs 2.5e2" "train --data xor --epochs 250"
same log-every-scientific "train --data xor --epochs 200 --log-every 5E1" \
    "train --data xor --epochs 200 --log-every 50"

# msg NAME EXPECTED ARGS...: exit 2 and exactly this one line on stderr
msg() {
    name=$1 want=$2
    shift 2
    "$BP" "$@" >out 2>err
    rc=$?
    if [ $rc -eq 2 ] && [ "$(cat err)" = "$want" ] && [ ! -s out ]; then
        pass "$name"
    else
        fail "$name" "exit $rc: $(cat err | head -c 300)"
    fi
}
msg epochs-not-whole "backprop: error: option --epochs: 1.5e0 is not a whole number" \
    train --epochs 1.5e0
msg epochs-small-exponent "backprop: error: option --epochs: 1e-3 is not a whole number" \
    train --epochs 1e-3
msg epochs-too-big "backprop: error: option --epochs: 1e30 is outside 0 to 1000000000" \
    train --epochs 1e30
msg epochs-junk "backprop: error: option --epochs: expects a whole number (like 1000 or 1e3) or auto, got '12x'" \
    train --epochs 12x
msg optimizer-choices "backprop: error: option --optimizer: unknown optimizer 'adamw' (expects sgd, momentum, nesterov, rmsprop or adam)" \
    train --optimizer adamw
msg activation-choices "backprop: error: option --activation: unknown activation 'gelu' (expects sigmoid, tanh, relu or none)" \
    train --activation gelu
msg init-choices "backprop: error: option --init: unknown initialisation 'zeros' (expects normal, xavier, he or numpy)" \
    train --init zeros
msg dtype-choices "backprop: error: option --dtype: unknown type 'f16' (expects f64 or f32)" \
    train --dtype f16
msg preset-choices "backprop: error: option --preset: unknown preset 'fast' (expects seed)" \
    train --preset fast
msg header-choices "backprop: error: option --header: expects auto, yes or no, got 'maybe'" \
    train --header maybe
esc=$(printf 'a\033[2Jb\tc')
msg escape-option-value "backprop: error: option --lr: expects a finite number, got 'a?[2Jb?c'" \
    train --lr "$esc"
msg escape-command "backprop: error: unknown command 'a?[2Jb?c' (see backprop --help)" "$esc"
msg escape-unknown-option "backprop: error: unknown option '--a?[2Jb?c' (see backprop train --help)" \
    train "--$esc"
long=$(awk 'BEGIN { while (n++ < 500) printf "x" }')
msg shorten-option-value "backprop: error: option --lr: expects a finite number, got 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'" \
    train --lr "$long"
msg shorten-command "backprop: error: unknown command 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (see backprop --help)" \
    "$long"
msg shorten-data "backprop: error: option --data: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is not linear, xor, fashion-mnist or a readable file (File name too long)" \
    gradcheck --data "$long"
msg trace-sample-size "backprop: error: option --sample: 21 is past the last sample (the xor data has 21, numbered from 0)" \
    trace --data xor --sample 21
msg trace-sample-size-linear "backprop: error: option --sample: 7 is past the last sample (the linear data has 7, numbered from 0)" \
    trace --data linear --n 7 --sample 7

msg epochs-incomplete-exponent "backprop: error: option --epochs: expects a whole number (like 1000 or 1e3) or auto, got '1e'" \
    train --epochs 1e
msg epochs-overflow "backprop: error: option --epochs: 1e999 is outside 0 to 1000000000" \
    train --epochs 1e999

# class names with control bytes, from a CSV into a model and back: the
# confusion matrix and the messages show '?', never the raw byte
printf 'a,kind\n1,r\033[2Jx\n2,g\n1,r\033[2Jx\n2,g\n' >esc.csv
printf 'a,kind\n1,q\033[2Jy\n' >esc2.csv
"$BP" train --data esc.csv --epochs 2 --model esc.bpm >/dev/null 2>&1
"$BP" test --data esc.csv --model esc.bpm >esc.out 2>esc.err
if grep -q "$(printf '\033')" esc.out esc.err; then
    fail escape-class-names "a raw ESC byte in test's output"
elif grep -q 'r?\[2Jx' esc.out; then
    pass escape-class-names
else
    fail escape-class-names "$(head -c 300 esc.out)"
fi
"$BP" test --model esc.bpm --data esc2.csv >esc.out 2>esc.err
if [ $? -eq 2 ] && ! grep -q "$(printf '\033')" esc.err && [ "$(wc -l <esc.err)" -eq 1 ]; then
    pass escape-message-from-file
else
    fail escape-message-from-file "$(cat -A esc.err | head -c 300)"
fi

# help texts: each line as it must read
helpline() { # helpline NAME CMD OPTION PATTERN
    line=$("$BP" "$2" --help | grep -e "^  --$3 ")
    if printf '%s\n' "$line" | grep -q -e "$4"; then pass "$1"
    else fail "$1" "'$line' does not match '$4'"; fi
}
helpline help-test-limit test limit 'first N rows of a CSV or IDX --data'
helpline help-test-model test model 'the model to test'
helpline help-trace-no-bias trace no-bias '\[default\]$'
helpline help-trace-bias-not-default trace 'bias' 'give every layer a bias$'
helpline help-train-bias train 'bias' 'give every layer a bias \[default\]$'
helpline help-trace-data trace data 'linear | xor; with --model also a CSV or IDX file \[xor\]$'
helpline help-gradcheck-data gradcheck data 'linear | xor | fashion-mnist | a CSV file | an IDX image file \[xor\]$'
helpline help-lab-seeds lab seeds 'seed 5 --seeds 2 runs seeds 5 and 6'
helpline help-lab-threads lab threads 'one per CPU'
helpline help-trace-init trace init 'numpy \[normal\]$'
helpline help-lab-log-every lab log-every "seed's two runs"

"$BP" lab --seed 5 --seeds 2 --epochs 5 --data xor --out lab >/dev/null 2>lab.err
seeds=$(awk -F, 'NR > 1 && $1 == "base" { print $3 }' lab/summary.csv | tr '\n' ' ')
[ "$seeds" = "5 6 " ] && pass lab-seeds-5-6 || fail lab-seeds-5-6 "seeds '$seeds': $(first_err lab.err)"

exit $status
