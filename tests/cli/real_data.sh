#!/bin/sh
# real_data.sh - training on files: CSV with string labels, held-out sets,
# class names and standardisation carried by the model, regression, bad
# files named by line and column, and a Fashion-MNIST smoke run.
set -u
. "$(dirname "$0")/lib.sh"
bp_test_setup real-data
PY=/usr/bin/python3
cd "$tmp" || exit 1

# Three well separated classes in 4 features, labels as words, a header,
# CRLF line ends, quoted fields; written with awk so no tool is needed.
awk 'BEGIN {
    srand(7); printf "\"a\",b,c,d,species\r\n";
    for (i = 0; i < 240; i++) {
        c = i % 3;
        printf "%.4f,%.4f,%.4f,%.4f,%s\r\n", c * 3 + rand(), -2 * c + rand(),
            100 + 50 * c + 10 * rand(), rand(), (c == 0 ? "setosa" : c == 1 ? "\"versi,color\"" : "virginica");
    }
}' >blobs.csv

"$BP" train --data blobs.csv --hidden 8 --activation tanh --optimizer adam \
    --lr 0.01 --epochs 40 --split 0.25 --quiet --model blobs.bpm >train.out 2>train.err
rc=$?
if [ $rc -eq 0 ] && grep -q '^test accuracy : 100.0 %' train.out &&
   grep -q '3 classes, 60 test rows' train.err; then
    pass csv-train-split
else
    fail csv-train-split "exit $rc: $(cat train.out train.err | head -5)"
fi
grep -q 'versi,color' train.out && pass csv-confusion-names || fail csv-confusion-names "class names missing"

# test on the file again: the model's class names and standardisation apply
"$BP" test --model blobs.bpm --data blobs.csv >test.out 2>test.err
grep -q '^test accuracy : 100.0 %' test.out && grep -q 'precision' test.out &&
    pass csv-test || fail csv-test "$(head -3 test.out test.err)"

# predict prints the original labels, raw features standardised by the model
printf '0.5,-0.5,105,0.5\n6.5,-3.5,205,0.5\n' | "$BP" predict --model blobs.bpm >pred.out 2>pred.err
if [ "$(tr '\n' '|' <pred.out)" = "setosa|virginica|" ]; then pass csv-predict-labels
else fail csv-predict-labels "got $(tr '\n' '|' <pred.out) $(cat pred.err)"; fi

# the same model on a file whose classes it has never seen
printf 'a,b,c,d,species\n1,2,3,4,rose\n' >alien.csv
"$BP" test --model blobs.bpm --data alien.csv >/dev/null 2>alien.err
[ $? -eq 2 ] && grep -q "rose" alien.err && pass csv-unknown-class || fail csv-unknown-class "$(cat alien.err)"

# regression: y = 2a - b, a linear output and MSE
awk 'BEGIN { srand(3); print "a,b,y"; for (i = 0; i < 200; i++) { a = rand(); b = rand(); printf "%.5f,%.5f,%.5f\n", a, b, 2 * a - b } }' >reg.csv
"$BP" train --data reg.csv --task regression --hidden 8 --activation tanh \
    --optimizer adam --lr 0.01 --epochs 200 --quiet --split 0.2 >reg.out 2>reg.err
rmse=$(sed -n 's/^test rmse : //p' reg.out)
if [ -n "$rmse" ] && awk -v r="$rmse" 'BEGIN { exit !(r < 0.05) }'; then
    pass csv-regression
else
    fail csv-regression "rmse '$rmse': $(cat reg.err)"
fi

# bad files: one line on stderr naming file, line and column; exit 2
printf 'a,b,y\n1,2,x\n3,4\n' >ragged.csv
printf 'a,b,y\n1,2,x\n3,abc,y\n' >text.csv
printf 'a,b,y\n1,nan,x\n3,4,y\n' >nan.csv
printf '' >empty.csv
printf 'a,b,y\n' >header.csv
printf 'a,b,y\n1,2,x\n3,4,x\n' >oneclass.csv
check_bad() { # name file pattern [extra args]
    name=$1 file=$2 pattern=$3
    shift 3
    "$BP" train --data "$file" --epochs 1 --quiet "$@" >out 2>err
    rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l <err)" -eq 1 ] && grep -q "$pattern" err &&
       grep -q '^backprop: error: ' err && [ ! -s out ]; then
        pass "$name"
    else
        fail "$name" "exit $rc: $(cat err)"
    fi
}
check_bad bad-ragged ragged.csv 'ragged.csv:3'
check_bad bad-text text.csv 'text.csv:3:2'
check_bad bad-nan nan.csv 'nan.csv:2:2' --header yes
check_bad bad-empty empty.csv 'empty.csv'
check_bad bad-header-only header.csv 'header.csv'
check_bad bad-one-class oneclass.csv 'single class'
check_bad bad-label-column blobs.csv "no column 'kind'" --label kind
check_bad bad-missing-file nothere.csv "nothere.csv"
check_bad bad-test-width blobs.csv "features" --test reg.csv
check_bad bad-regression-text blobs.csv "numeric" --task regression

# predict with the wrong width names the line
printf '1,2,3,4\n1,2\n' | "$BP" predict --model blobs.bpm >/dev/null 2>w.err
[ $? -eq 2 ] && grep -q 'stdin:2' w.err && pass predict-width || fail predict-width "$(cat w.err)"

# automatic epochs: for files at most 200, ended earlier by the stopping
# rule on a large easy file; 5000 for generated data; "auto" and 0 say it;
# an explicit --epochs is exact (file_defaults.sh tests the rule itself)
epochs_of() {
    "$BP" train --quiet --timing "$@" 2>&1 >/dev/null |
        sed -n 's/^backprop: trained \([0-9]*\) epochs.*/\1/p'
}
awk 'BEGIN { srand(3); print "a,b,y"; for (i = 0; i < 20000; i++) { a = rand(); b = rand(); printf "%.3f,%.3f,%d\n", a, b, (a > b ? 1 : 0) } }' >big.csv
got="$(epochs_of --data blobs.csv --epochs auto) $(epochs_of --data blobs.csv --epochs 0)"
got="$got $(epochs_of --data xor) $(epochs_of --data blobs.csv --epochs 7)"
big=$(epochs_of --data big.csv --hidden 4)
want="200 200 5000 7"
if [ "$got" = "$want" ] && [ -n "$big" ] && [ "$big" -lt 200 ]; then
    pass epochs-auto
else
    fail epochs-auto "got '$got' and $big for big.csv, want '$want' and fewer than 200"
fi

# mini-batches are reproducible: the same command twice, the same bytes
"$BP" train --data blobs.csv --epochs 5 --batch 16 --quiet --model r1.bpm >/dev/null 2>&1
"$BP" train --data blobs.csv --epochs 5 --batch 16 --quiet --model r2.bpm >/dev/null 2>&1
cmp -s r1.bpm r2.bpm && pass minibatch-deterministic || fail minibatch-deterministic "models differ"

# validation split, early stopping, the history's validation columns: on
# labels that are pure noise the validation loss soon stops improving
awk 'BEGIN { srand(5); print "a,b,c,y"; for (i = 0; i < 200; i++) printf "%.4f,%.4f,%.4f,%s\n", rand(), rand(), rand(), (rand() < 0.5 ? "p" : "q") }' >noise.csv
"$BP" train --data noise.csv --hidden 16 --activation relu --optimizer adam \
    --lr 0.05 --epochs 500 --val-split 0.25 --patience 3 --history h.csv \
    >val.out 2>val.err
rc=$?
if [ $rc -eq 0 ] && grep -q 'val_loss : .* val_accuracy : ' val.out &&
   grep -q 'early stop at epoch' val.err &&
   [ "$(head -1 h.csv)" = "epoch,loss,accuracy,val_loss,val_accuracy" ] &&
   [ "$(wc -l <h.csv)" -lt 500 ]; then
    pass val-split-patience
else
    fail val-split-patience "exit $rc: $(tail -2 val.err)"
fi
"$BP" train --data blobs.csv --patience 3 >/dev/null 2>p.err
[ $? -eq 2 ] && grep -q -- '--val-split' p.err && pass patience-needs-val ||
    fail patience-needs-val "$(cat p.err)"

# --resume continues exactly: 3 + 3 epochs with the saved Adam state and
# mini-batch order give the same bytes as 6 epochs in one go
"$BP" train --data blobs.csv --optimizer adam --lr 0.01 --epochs 6 --quiet \
    --model six.bpm >/dev/null 2>&1
"$BP" train --data blobs.csv --optimizer adam --lr 0.01 --epochs 3 --quiet \
    --save-state --model three.bpm >/dev/null 2>&1
"$BP" train --data blobs.csv --resume three.bpm --lr 0.01 --epochs 3 --quiet \
    --model again.bpm >resume.out 2>resume.err
if cmp -s six.bpm again.bpm; then pass resume-exact
else fail resume-exact "$(cat resume.err)"; fi
"$BP" train --data xor --resume six.bpm --epochs 1 >/dev/null 2>r.err
[ $? -eq 2 ] && grep -q 'inputs' r.err && pass resume-wrong-data || fail resume-wrong-data "$(cat r.err)"

# SIGINT stops after the current epoch, saves, says so, exits 130
"$BP" train --data linear --n 5000 --hidden 32,32 --epochs 100000000 --quiet \
    --model int.bpm >int.out 2>int.err &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
if [ $rc -eq 130 ] && grep -q 'interrupted after epoch' int.err &&
   "$BP" test --model int.bpm --data linear >/dev/null 2>&1; then
    pass sigint-saves
else
    fail sigint-saves "exit $rc: $(cat int.err)"
fi

# Fashion-MNIST smoke run: 600 images, 10 epochs, far better than chance
if [ -r /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    "$BP" train --data fashion-mnist --limit 600 --hidden 32 --activation relu \
        --optimizer adam --lr 0.003 --epochs 10 --quiet --model fm.bpm >fm.out 2>fm.err
    acc=$(sed -n 's/^test accuracy : \([0-9.]*\) %$/\1/p' fm.out)
    if [ -n "$acc" ] && awk -v a="$acc" 'BEGIN { exit !(a > 50) }' &&
       grep -q 'Ankle boot' fm.out; then
        pass fashion-smoke
    else
        fail fashion-smoke "accuracy '$acc': $(head -3 fm.err)"
    fi
else
    fail fashion-smoke "dataset-fashion-mnist is not installed (make deps)"
fi
exit $status
