#!/bin/sh
# trace_model.sh - backprop trace on saved networks, the optimizer's update
# and --full.
#
#   - trace --model FILE follows a row of a CSV through a saved network: a
#     softmax classifier (3 classes), a sigmoid one (2 classes) and a
#     regression; the row is standardised as the model says (x in the title
#     is (raw - mean) / std of the training rows), the target is named by
#     its class; the layer-by-layer pass agrees with the library's gradient
#     (exit 0), for every optimizer;
#   - the update table: the library's step equals the rule by hand, and for
#     momentum dW = -lr g (checked here from the printed numbers);
#   - without --full a long table ends "... N more"; with --full every row
#     is printed (10 x 10 = 100 rows of W2 in the gradient and the update tables);
#   - --model with network options, or data the model does not take, is
#     refused (exit 2).
# One line per check, "PASS name" or "FAIL name: reason"; exit 1 on failure.
set -u
. "$(dirname "$0")/lib.sh"
bp_test_setup trace-model
cd "$tmp" || exit 1

awk 'BEGIN { srand(5); print "a,b,kind";
    for (i = 0; i < 90; i++) { c = i % 3;
        printf "%.4f,%.4f,%s\n", 10 + c + rand(), 100 * rand(), c == 0 ? "red" : c == 1 ? "green" : "blue" } }' >c3.csv
awk 'BEGIN { srand(2); print "a,b,c,y";
    for (i = 0; i < 60; i++) printf "%.4f,%.4f,%.4f,%s\n", rand(), rand(), rand(), i % 2 ? "yes" : "no" }' >c2.csv
awk 'BEGIN { srand(3); print "a,b,y";
    for (i = 0; i < 80; i++) { a = rand(); b = rand(); printf "%.5f,%.5f,%.5f\n", a, b, 200 * a - b } }' >r.csv
for m in c3 c2; do
    "$BP" train --data $m.csv --hidden 10,10 --activation sigmoid --optimizer momentum --lr 0.1 --epochs 5 --quiet --model $m.bpm >/dev/null 2>&1 ||
        fail setup-$m "cannot train"
done
"$BP" train --data r.csv --task regression --hidden 10,10 --activation sigmoid --optimizer momentum --lr 0.1 --epochs 5 --quiet --model r.bpm >/dev/null 2>&1 ||
    fail setup-r "cannot train"

for m in c3 c2 r; do
    for opt in sgd momentum nesterov rmsprop adam; do
        "$BP" trace --model $m.bpm --data $m.csv --sample 4 --optimizer $opt >t.out 2>t.err
        rc=$?
        if [ $rc -eq 0 ] && grep -q '^library step vs rule by hand: largest difference' t.out &&
           grep -q '^every weight: largest relative error .*; trace vs library gradient' t.out; then
            pass "trace-$m-$opt"
        else
            fail "trace-$m-$opt" "exit $rc: $(first_err t.err)"
        fi
    done
done

"$BP" trace --model c3.bpm --data c3.csv --sample 4 >t.out 2>t.err
title=$(head -n 1 t.out)
case $title in
"trace: c3.csv sample 4: x = ("*") (standardised), class green; network 2-10-10-3 of c3.bpm, sigmoid hidden, softmax output, ce loss")
    pass trace-title ;;
*) fail trace-title "$title" ;;
esac
# x of the title against (raw - mean) / std of the training rows
x=$(printf '%s\n' "$title" | sed 's/.*x = (\([^)]*\)).*/\1/')
awk -F, -v x="$x" 'NR > 1 { n++; s1 += $1; s2 += $2; v1[n] = $1; v2[n] = $2 }
END {
    m1 = s1 / n; m2 = s2 / n
    for (i = 1; i <= n; i++) { q1 += (v1[i] - m1)^2; q2 += (v2[i] - m2)^2 }
    e1 = (v1[5] - m1) / sqrt(q1 / n); e2 = (v2[5] - m2) / sqrt(q2 / n)
    split(x, g, ", ")
    d1 = g[1] - e1; d2 = g[2] - e2
    exit !(d1 * d1 < 1e-8 && d2 * d2 < 1e-8)
}' c3.csv && pass trace-standardised || fail trace-standardised "x ($x)"
grep -q '^layer 3 (output, softmax)' t.out && pass trace-softmax-layer ||
    fail trace-softmax-layer "$(grep '^layer 3' t.out)"

# momentum's first step: dW = -lr g, from the printed numbers
awk '/^dW3 / { on = 1; next } on && /^  W3\[/ { n++; if (($3 + 0.1 * $2)^2 > 1e-20) bad++ } on && /^$/ { exit }
     END { exit !(n > 0 && bad == 0) }' t.out && pass trace-momentum-step ||
    fail trace-momentum-step "$(grep -A3 '^dW3' t.out)"
grep -q '^update by momentum, first step from zero state (lr = 0.1, mu = 0.9): V = mu\*0 - lr\*g; dW = V = -lr\*g$' t.out &&
    pass trace-update-rule || fail trace-update-rule "$(grep '^update' t.out)"
"$BP" trace --model c3.bpm --data c3.csv --optimizer adam --lr 0.001 >a.out 2>&1
awk '/^dW3 / { on = 1; next } on && /^  W3\[/ { n++; g = $2; w = $3; want = (g > 0 ? -0.001 : g < 0 ? 0.001 : 0); if ((w - want)^2 > 1e-14) bad++ } on && /^$/ { exit }
     END { exit !(n > 0 && bad == 0) }' a.out && pass trace-adam-step ||
    fail trace-adam-step "$(grep -A3 '^dW3' a.out)"

# --full: every row
n=$(grep -c '^  W2\[' t.out)
grep -q '^  \.\.\. 90 more (--full shows them)$' t.out && [ "$n" -eq 20 ] &&
    pass trace-cut || fail trace-cut "$n rows of W2"
"$BP" trace --model c3.bpm --data c3.csv --full >f.out 2>&1
n=$(grep -c '^  W2\[' f.out)
[ "$n" -eq 200 ] && ! grep -q 'more (--full' f.out && pass trace-full || fail trace-full "$n rows of W2"
"$BP" trace --full >f.out 2>&1
n=$(grep -c '^  W2\[' f.out)
[ "$n" -eq 200 ] && pass trace-full-new-network || fail trace-full-new-network "$n rows of W2"

# a saved XOR model on the XOR set
"$BP" train --data xor --epochs 30 --quiet --model x.bpm >/dev/null 2>&1
"$BP" trace --model x.bpm --data xor --sample 2 >x.out 2>x.err && grep -q '^trace: XOR sample 2: x = (0.1, 0.1), y = 0; network 2-10-10-1 of x.bpm' x.out &&
    pass trace-xor-model || fail trace-xor-model "$(first_err x.err) $(head -n 1 x.out)"

# refused
"$BP" trace --model c3.bpm --data c3.csv --hidden 5 >o 2>e
[ $? -eq 2 ] && grep -q 'option --model: the network is the model' e && pass trace-model-network-options ||
    fail trace-model-network-options "$(first_err e)"
"$BP" trace --model c3.bpm --data xor >o 2>e
[ $? -eq 2 ] && grep -q 'c3.bpm takes 2 inputs and gives 3 outputs' e && pass trace-model-wrong-data ||
    fail trace-model-wrong-data "$(first_err e)"
"$BP" trace --model c3.bpm --data c3.csv --sample 90 >o 2>e
[ $? -eq 2 ] && grep -q 'the c3.csv data has 90, numbered from 0' e && pass trace-model-sample ||
    fail trace-model-sample "$(first_err e)"
exit $status
