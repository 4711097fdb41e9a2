#!/bin/sh
# predict_csv.sh - issue 16's data side: the task read from the labels
# (regression detected, with a note), numeric classes in numeric order,
# regression targets standardised and answered in their units, the model
# remembering the label column and the delimiter so that test and predict
# need none of train's options, predict --input reading the CSV/TSV train
# reads (label column present or absent), --proba, the delimiter detected
# with a hint when a file reads as one column, an unseen --test class that
# names what to do, and predict's stdin line cap.
set -u
. "$(dirname "$0")/lib.sh"
bp_test_setup predict-csv
cd "$tmp" || exit 1

# A regression target of std about 150: y = 100 a - 80 b + 30 c + 500,
# features with a header, comma-separated.  awk, so no tool is needed.
awk 'BEGIN { srand(11); print "a,b,c,y";
    for (i = 0; i < 400; i++) { a = rand(); b = rand(); c = rand();
        printf "%.4f,%.4f,%.4f,%.3f\n", 3*a, 3*b, 3*c, 100*3*a - 80*3*b + 30*3*c + 500 } }' >reg.csv
sd=$(awk -F, 'NR > 1 { s += $4; q += $4 * $4; n++ } END { m = s / n; printf "%.1f", sqrt(q / n - m * m) }' reg.csv)

# 1. the task comes from the labels: a note, on stderr, naming the override
"$BP" train --data reg.csv --split 0.25 --epochs 300 --hidden 16 \
    --activation relu --optimizer adam --lr 0.01 --batch 32 --quiet \
    --model reg.bpm >reg.out 2>reg.err
rc=$?
if [ $rc -eq 0 ] && grep -q '^backprop: note: reg.csv: .*regression.*--task classification' reg.err &&
   grep -q 'regression' reg.err; then
    pass task-detected-regression
else
    fail task-detected-regression "exit $rc: $(head -c 300 reg.err)"
fi

# 2. standardised target: far below the target's std (a constant predictor
# scores the std), and in the target's units (test reports the same rmse)
rmse=$(sed -n 's/^test rmse : //p' reg.out)
if [ -n "$rmse" ] && awk -v r="$rmse" -v s="$sd" 'BEGIN { exit !(r < s / 10) }'; then
    pass regression-standardised
else
    fail regression-standardised "test rmse '$rmse' with target std $sd"
fi
"$BP" test --model reg.bpm --data reg.csv >t.out 2>t.err
trmse=$(sed -n 's/^test rmse : //p' t.out)
if [ -n "$trmse" ] && awk -v r="$trmse" -v s="$sd" 'BEGIN { exit !(r < s / 10) }'; then
    pass regression-test-units
else
    fail regression-test-units "test rmse '$trmse' ($(cat t.err))"
fi

# 3. predict a regression: values in the target's units, from a file with
# the label column and from one without; both the same
head -n 4 reg.csv >three.csv
cut -d, -f1-3 three.csv >three-x.csv
"$BP" predict --model reg.bpm --input three.csv >p1.out 2>p1.err
r1=$?
"$BP" predict --model reg.bpm --input three-x.csv >p2.out 2>p2.err
r2=$?
# the true values of the three rows, and the predictions' largest error
worst=$(tail -n 3 three.csv | cut -d, -f4 | paste -d, - p1.out |
    awk -F, '{ e = $1 - $2; if (e < 0) e = -e; if (e > w) w = e } END { print w + 0 }')
if [ $r1 -eq 0 ] && [ $r2 -eq 0 ] && [ "$(wc -l <p1.out)" -eq 3 ] &&
   cmp -s p1.out p2.out && awk -v w="$worst" -v s="$sd" 'BEGIN { exit !(w < s / 5) }'; then
    pass predict-regression-units
else
    fail predict-regression-units "exit $r1/$r2, worst error $worst: $(cat p1.out p1.err p2.err | head -5)"
fi

# 4. a feature column as the label: a regression with a note, not 400 classes
"$BP" train --data reg.csv --label a --epochs 2 --quiet >/dev/null 2>l.err
rc=$?
if [ $rc -eq 0 ] && grep -q 'regression' l.err && ! grep -q '[0-9] classes' l.err; then
    pass label-feature-column
else
    fail label-feature-column "exit $rc: $(cat l.err)"
fi
# and --task classification overrides the detection (a single-digit label
# keeps it a classifier anyway)
"$BP" train --data reg.csv --label a --task classification --epochs 1 --quiet \
    >/dev/null 2>lc.err
grep -q '400 classes\|[0-9]* classes' lc.err && ! grep -q 'regression' lc.err &&
    pass task-override || fail task-override "$(cat lc.err)"

# 5. numeric classes in numeric order (2 before 10), in a semicolon file
# without a header: the delimiter is detected, the model remembers it and
# the label column, so test and predict need no option
awk 'BEGIN { srand(5); for (i = 0; i < 300; i++) { c = i % 3; l = c == 0 ? 10 : c == 1 ? 2 : 0;
    printf "%.4f;%.4f;%d\n", c + 0.2 * rand(), -c + 0.2 * rand(), l } }' >num.csv
"$BP" train --data num.csv --epochs 50 --hidden 8 --activation tanh \
    --optimizer adam --lr 0.05 --quiet --model num.bpm >num.out 2>num.err
"$BP" test --model num.bpm --data num.csv >nt.out 2>nt.err
rc=$?
order=$(sed -n '/^confusion/{n;p;}' nt.out | tr -s ' ' | sed 's/^ //')
if [ $rc -eq 0 ] && [ "$order" = "0 2 10" ]; then
    pass classes-numeric-order
else
    fail classes-numeric-order "exit $rc, columns '$order': $(head -3 num.err nt.err)"
fi
grep -q '^test accuracy : 100.0 %' nt.out && pass test-remembers-delimiter ||
    fail test-remembers-delimiter "$(cat nt.out nt.err | head -3)"
printf '0.1;0.1\n1.1;-0.9\n2.1;-1.9\n' >num-x.csv
"$BP" predict --model num.bpm --input num-x.csv >np.out 2>np.err
[ "$(tr '\n' '|' <np.out)" = "10|2|0|" ] && pass predict-semicolon-names ||
    fail predict-semicolon-names "got '$(tr '\n' '|' <np.out)' $(cat np.err)"
# stdin uses the model's delimiter too
printf '2.1;-1.9\n' | "$BP" predict --model num.bpm >ns.out 2>ns.err
[ "$(cat ns.out)" = "0" ] && pass predict-stdin-model-delimiter ||
    fail predict-stdin-model-delimiter "got '$(cat ns.out)' $(cat ns.err)"

# 6. --proba: a header naming the classes, then probabilities summing to 1
"$BP" predict --model num.bpm --input num-x.csv --proba >pp.out 2>pp.err
rc=$?
head1=$(head -n 1 pp.out)
sums=$(tail -n +2 pp.out | awk -F, '{ s = $1 + $2 + $3; printf "%s ", (s > 0.999999 && s < 1.000001) ? "ok" : s }')
if [ $rc -eq 0 ] && [ "$head1" = "0,2,10" ] && [ "$sums" = "ok ok ok " ]; then
    pass predict-proba
else
    fail predict-proba "exit $rc: $(head -2 pp.out) [$sums] $(cat pp.err)"
fi
"$BP" predict --model reg.bpm --input three-x.csv --proba >/dev/null 2>pr.err
[ $? -eq 2 ] && grep -q 'option --proba' pr.err && pass proba-regression-refused ||
    fail proba-regression-refused "$(cat pr.err)"

# 7. a tab-separated file and a header: predict reads it with the label
# column in the middle, found by its name
awk 'BEGIN { srand(9); print "u\tkind\tv"; for (i = 0; i < 200; i++) { c = i % 2;
    printf "%.4f\t%s\t%.4f\n", c + 0.3 * rand(), c ? "yes" : "no", 0.3 * rand() } }' >tab.tsv
"$BP" train --data tab.tsv --label kind --epochs 60 --hidden 6 --activation tanh \
    --optimizer adam --lr 0.05 --quiet --model tab.bpm >/dev/null 2>tab.err
"$BP" predict --model tab.bpm --input tab.tsv >tp.out 2>tp.err
rc=$?
right=$(tail -n +2 tab.tsv | cut -f2 | paste -d' ' - tp.out | awk '$1 == $2 { n++ } END { print n + 0 }')
[ $rc -eq 0 ] && [ "$right" -eq 200 ] && pass predict-tsv-label-by-name ||
    fail predict-tsv-label-by-name "exit $rc, $right of 200 right: $(cat tab.err tp.err | head -3)"
"$BP" test --model tab.bpm --data tab.tsv >tt.out 2>tt.err
grep -q '^test accuracy : 100.0 %' tt.out && pass test-remembers-label ||
    fail test-remembers-label "$(cat tt.out tt.err | head -3)"

# 8. a file read as one column suggests --delimiter
awk 'BEGIN { for (i = 0; i < 20; i++) printf "%d|%d|%d\n", i, 2 * i, i % 2 }' >pipe.csv
"$BP" train --data pipe.csv --epochs 1 --quiet >/dev/null 2>d.err
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <d.err)" -eq 1 ] && grep -q -- '--delimiter' d.err &&
    pass one-column-hint || fail one-column-hint "exit $rc: $(cat d.err)"
"$BP" train --data pipe.csv --delimiter '|' --epochs 1 --quiet >/dev/null 2>&1 &&
    pass delimiter-given || fail delimiter-given "--delimiter '|' refused"

# 9. an unseen class in --test names the way out
printf 'u\tkind\tv\n0.5\tmaybe\t0.1\n' >alien.tsv
"$BP" train --data tab.tsv --label kind --test alien.tsv --epochs 1 --quiet >/dev/null 2>a.err
rc=$?
[ $rc -eq 2 ] && grep -q "class 'maybe'" a.err && grep -q -- '--split' a.err &&
    pass test-unseen-class-hint || fail test-unseen-class-hint "exit $rc: $(cat a.err)"

# 10. predict's stdin: a line beyond the cap is an error, not end of input
awk 'BEGIN { printf "0.1;0.2\n"; s = "1"; for (i = 0; i < 21; i++) s = s s; print s }' |
    "$BP" predict --model num.bpm >cap.out 2>cap.err
rc=$?
[ $rc -eq 2 ] && grep -q 'stdin:2: a line longer than' cap.err && [ "$(wc -l <cap.out)" -eq 1 ] &&
    pass predict-line-cap || fail predict-line-cap "exit $rc: $(cat cap.err)"

# a read error is not the end of input (a folder as stdin), and an endless
# line (/dev/zero) is refused, not read until memory runs out
"$BP" predict --model num.bpm </ >/dev/null 2>rd.err
rc=$?
[ $rc -eq 1 ] && grep -q 'cannot read stdin' rd.err && pass predict-read-error ||
    fail predict-read-error "exit $rc: $(cat rd.err)"
"$BP" predict --model num.bpm </dev/zero >/dev/null 2>z.err
r1=$?
"$BP" predict --model num.bpm --input /dev/zero >/dev/null 2>z2.err
r2=$?
[ $r1 -eq 2 ] && [ $r2 -eq 2 ] && grep -q 'longer than' z.err && grep -q 'longer than' z2.err &&
    pass predict-endless-line || fail predict-endless-line "exit $r1/$r2: $(cat z.err z2.err)"

exit $status
