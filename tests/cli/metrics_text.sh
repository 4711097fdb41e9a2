#!/bin/sh
# metrics_text.sh - metrics printed for people.
#
#   - file data: "test accuracy : 80.0 %" / "92.67 %" (at most 2 decimals,
#     never 92.66666666666666), RMSE and MAE to 4 significant digits;
#   - the confusion matrix shows whole class names (a 22-character name and
#     a UTF-8 one), and its columns line up with the names;
#   - the seed's generated sets keep Python's repr ("accuracy : 47.61904761904761 %").
# One line per check, "PASS name" or "FAIL name: reason"; exit 1 on failure.
set -u
. "$(dirname "$0")/lib.sh"
bp_test_setup metrics-text
cd "$tmp" || exit 1

awk 'BEGIN { srand(5); print "a,b,kind";
    for (i = 0; i < 150; i++) { c = i % 3;
        printf "%.4f,%.4f,%s\n", c + rand() * 1.5, rand(),
            c == 0 ? "a-very-long-class-name" : c == 1 ? "größe" : "x" } }' >c.csv
"$BP" train --data c.csv --split 0.3 --epochs 20 --quiet >c.out 2>c.err
rc=$?
acc=$(sed -n 's/^test accuracy : \(.*\) %$/\1/p' c.out)
if [ $rc -eq 0 ] && printf '%s\n' "$acc" | grep -Eq '^[0-9]{1,3}\.[0-9]{1,2}$'; then
    pass accuracy-two-decimals
else
    fail accuracy-two-decimals "exit $rc, accuracy '$acc'"
fi
if grep -Eq '^train accuracy : [0-9]{1,3}\.[0-9]{1,2} %$' c.out; then
    pass train-accuracy-two-decimals
else
    fail train-accuracy-two-decimals "$(grep '^train accuracy' c.out)"
fi
head_line=$(grep -A1 '^confusion matrix' c.out | tail -n 1)
case $head_line in
*" a-very-long-class-name "*"größe"*" x") pass confusion-whole-names ;;
*) fail confusion-whole-names "header '$head_line'" ;;
esac
# byte-exact header: each column as wide as its name (8 at least)
if grep -q '^                       a-very-long-class-name    größe        x$' c.out; then
    pass confusion-layout
else
    fail confusion-layout "$(grep -A1 '^confusion matrix' c.out | tail -n 1 | cat -A)"
fi
if grep -Eq '^ *a-very-long-class-name +[0-9]\.[0-9]{4} +[0-9]\.[0-9]{4} +[0-9]+$' c.out; then
    pass precision-whole-names
else
    fail precision-whole-names "$(grep 'precision' -A3 c.out)"
fi

awk 'BEGIN { srand(3); print "a,b,y"; for (i = 0; i < 200; i++) { a = rand(); b = rand(); printf "%.5f,%.5f,%.5f\n", a, b, 200 * a - b } }' >r.csv
"$BP" train --data r.csv --task regression --epochs 20 --quiet --split 0.2 >r.out 2>r.err
rmse=$(sed -n 's/^test rmse : //p' r.out)
mae=$(sed -n 's/^test mae : //p' r.out)
digits() { printf '%s' "$1" | tr -d '.-' | sed 's/^0*//' | wc -c; }
if [ -n "$rmse" ] && [ -n "$mae" ] && [ "$(digits "$rmse")" -le 4 ] &&
   [ "$(digits "$mae")" -le 4 ]; then
    pass regression-four-digits
else
    fail regression-four-digits "rmse '$rmse' mae '$mae': $(first_err r.err)"
fi

"$BP" train --data xor --epochs 10 --quiet >x.out 2>&1
if [ "$(tail -n 1 x.out)" = "accuracy : 47.61904761904761 %" ]; then
    pass seed-accuracy-repr
else
    fail seed-accuracy-repr "$(tail -n 1 x.out)"
fi
exit $status
