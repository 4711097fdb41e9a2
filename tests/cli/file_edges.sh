#!/bin/sh
# file_edges.sh - where the file-data features meet each other:
#   - a saved model given data of another shape is refused before its
#     standardisation is applied (test, trace --model, train --resume; a
#     1-input model's statistics were read past their end on xor's 2 inputs);
#   - --task regression on text labels names the way out, not itself;
#   - --resume refuses --task and --no-standardize that contradict the model;
#   - trace without --model refuses the CSV options it cannot use;
#   - a regression's validation log and history have no accuracy (plot
#     says so); a target of 1e300
#     gives a finite RMSE in its own units;
#   - predict detects the delimiter of its input whatever the model saw.
# One line per check, "PASS name" or "FAIL name: reason"; exit 1 on failure.
set -u
. "$(dirname "$0")/lib.sh"
bp_test_setup file-edges
cd "$tmp" || exit 1

printf 'x,c\n1,a\n-1,b\n2,a\n-2,b\n3,a\n-3,b\n' >one.csv
"$BP" train --data one.csv --model one.bpm --epochs 2 --quiet >/dev/null 2>&1 ||
    fail setup-one "cannot train"
for cmd in "test --model one.bpm" "trace --model one.bpm" \
           "train --resume one.bpm --epochs 1"; do
    # shellcheck disable=SC2086
    "$BP" $cmd --data xor >o 2>e
    rc=$?
    name="shape-$(echo "$cmd" | cut -d' ' -f1)"
    if [ $rc -eq 2 ] && grep -q 'one.bpm takes 1 inputs and gives 1 outputs; --data xor has 2 and 1' e; then
        pass "$name"
    else
        fail "$name" "exit $rc: $(first_err e)"
    fi
done

awk 'BEGIN { print "a,b,y"; for (i = 0; i < 40; i++) printf "%d,%d,%s\n", i, i % 7, i % 2 ? "yes" : "no" }' >cls.csv
"$BP" train --data cls.csv --task regression --epochs 1 --quiet >o 2>e
[ $? -eq 2 ] && grep -q 'leave --task out, or --task classification' e &&
    pass task-regression-text-hint || fail task-regression-text-hint "$(first_err e)"

"$BP" train --data cls.csv --epochs 2 --quiet --model cls.bpm >/dev/null 2>&1 ||
    fail setup-cls "cannot train"
"$BP" train --resume cls.bpm --data cls.csv --task regression --epochs 1 >o 2>e
[ $? -eq 2 ] && grep -q 'option --task: regression contradicts the model cls.bpm (classification)' e &&
    pass resume-task || fail resume-task "$(first_err e)"
"$BP" train --resume cls.bpm --data cls.csv --no-standardize --epochs 1 >o 2>e
[ $? -eq 2 ] && grep -q 'option --no-standardize: .* contradicts the model cls.bpm' e &&
    pass resume-no-standardize || fail resume-no-standardize "$(first_err e)"
"$BP" train --resume cls.bpm --data cls.csv --task classification --epochs 1 --quiet >o 2>e
[ $? -eq 0 ] && pass resume-task-agrees || fail resume-task-agrees "$(first_err e)"

for opt in "--label y" "--delimiter ;" "--header yes"; do
    # shellcheck disable=SC2086
    "$BP" trace --data xor $opt >o 2>e
    rc=$?
    name="trace-refuses-$(echo "$opt" | cut -c3- | cut -d' ' -f1)"
    [ $rc -eq 2 ] && grep -q 'is not a CSV file' e && pass "$name" ||
        fail "$name" "exit $rc: $(first_err e)"
done

awk 'BEGIN { srand(4); print "a,b,y"; for (i = 0; i < 200; i++) { a = rand(); b = rand(); printf "%.6f,%.6f,%.6f\n", a, b, 3 * a - b + 0.5 } }' >reg.csv
"$BP" train --data reg.csv --val-split 0.2 --epochs 3 --log-every 1 >o 2>e
if [ $? -eq 0 ] && grep -q '^epoch 3 loss : .* val_loss : [0-9.e-]*$' o && ! grep -q val_accuracy o; then
    pass regression-val-log
else
    fail regression-val-log "$(grep '^epoch 3' o)"
fi

"$BP" train --data reg.csv --val-split 0.2 --epochs 3 --quiet --history h.csv >o 2>e
if [ "$(head -n 1 h.csv)" = "epoch,loss,val_loss" ] && [ "$(wc -l <h.csv)" -eq 4 ] &&
   "$BP" plot --out p.png --column loss,val_loss h.csv 2>e; then
    pass regression-history
else
    fail regression-history "$(head -n 2 h.csv | tr '\n' ' ') $(first_err e)"
fi
"$BP" plot --out q.png --column accuracy h.csv >o 2>e
[ $? -eq 2 ] && grep -q "has no column 'accuracy' (its columns: loss, val_loss)" e &&
    pass regression-history-no-accuracy || fail regression-history-no-accuracy "$(first_err e)"

awk 'BEGIN { print "a,b,y"; for (i = 0; i < 50; i++) printf "%d,%d,%s\n", i, 2 * i, i == 3 ? "1e300" : i == 4 ? "-1e300" : i * 1.5 }' >big.csv
"$BP" train --data big.csv --task regression --epochs 3 --quiet >o 2>e
rmse=$(sed -n 's/^train rmse : //p' o)
case $rmse in
''|*inf*|*nan*) fail big-target-rmse "rmse '$rmse': $(first_err e)" ;;
*) pass big-target-rmse ;;
esac

"$BP" train --data cls.csv --epochs 2 --quiet --model comma.bpm >/dev/null 2>&1
printf 'a;b\n1;2\n5;6\n' >semi.csv
"$BP" predict --model comma.bpm --input semi.csv >o 2>e
[ $? -eq 0 ] && [ "$(wc -l <o)" -eq 2 ] && pass predict-detects-delimiter ||
    fail predict-detects-delimiter "$(first_err e)"
printf 'a|b\n1|2\n' >pipe.csv
"$BP" predict --model comma.bpm --input pipe.csv >o 2>e
[ $? -eq 2 ] && grep -q -- '--delimiter C' e && pass predict-one-column-hint ||
    fail predict-one-column-hint "$(first_err e)"

exit $status
