#!/bin/sh
# model_property.sh - every model that train saves can be used: random
# small CSVs with extreme values (1e308, the largest double, +-1e154 whose
# squares overflow, subnormals, long runs of one value), random shapes,
# labels that are words, small integers or real numbers, with and without
# standardisation; whenever train exits 0 and saves a model, test on the
# same file and predict on it must load the model and exit 0.  A few
# hundred cases, fast (fewer under the sanitizers).
set -u
. "$(dirname "$0")/lib.sh"
bp_test_setup model-property
cd "$tmp" || exit 1

cases=300
[ -n "${BP_SANITIZED:-}" ] && cases=60
trained=0 bad=0

# The files, all at once: case K is f<K>.csv, and opts<K> holds its extra
# train options.
awk -v cases="$cases" 'BEGIN {
    srand(16);
    split("1e308 -1e308 1.7976931348623157e308 -1.7976931348623157e308 1e154 -1e154 4.9e-324 0 1 -1 2.5 1e-300 123456789", ex, " ");
    for (k = 0; k < cases; k++) {
        f = "f" k ".csv";
        rows = 3 + int(rand() * 12); cols = 1 + int(rand() * 4);
        kind = int(rand() * 3);       # 0 words, 1 small integers, 2 reals
        extreme = rand();              # how often a field is extreme
        same = rand() < 0.2;           # a column of one value
        for (r = 0; r < rows; r++) {
            line = "";
            for (c = 0; c < cols; c++) {
                if (same && c == 0) v = ex[1 + (k % 13)];
                else if (rand() < extreme) v = ex[1 + int(rand() * 13)];
                else v = sprintf("%.6g", (rand() - 0.5) * 10);
                line = line v ",";
            }
            if (kind == 0) lab = (r % 2) ? "yes" : "no";
            else if (kind == 1) lab = r % 3;
            else lab = rand() < 0.3 ? ex[1 + int(rand() * 13)] : sprintf("%.4g", rand() * 100);
            print line lab > f;
        }
        close(f);
        o = "";
        if (rand() < 0.25) o = o " --no-standardize";
        if (kind == 2 && rand() < 0.3) o = o " --task regression";
        if (rand() < 0.3) o = o " --optimizer adam --lr 0.01";
        print o > ("opts" k);
        close("opts" k);
    }
}'

k=0
while [ $k -lt $cases ]; do
    opts=$(cat "opts$k")
    # shellcheck disable=SC2086
    "$BP" train --data "f$k.csv" --epochs 3 --quiet --model "m$k.bpm" $opts \
        >/dev/null 2>"e$k"
    rc=$?
    if [ $rc -eq 0 ] && [ -f "m$k.bpm" ]; then
        trained=$((trained + 1))
        "$BP" test --model "m$k.bpm" --data "f$k.csv" >/dev/null 2>"t$k"
        rt=$?
        "$BP" predict --model "m$k.bpm" --input "f$k.csv" >/dev/null 2>"p$k"
        rp=$?
        if [ $rt -ne 0 ] || [ $rp -ne 0 ]; then
            bad=$((bad + 1))
            [ $bad -le 3 ] && fail "model-usable-f$k" "train $opts exit 0, test exit $rt, predict exit $rp: $(first_err "t$k") $(first_err "p$k") [$(tr '\n' '|' <"f$k.csv" | cut -c 1-200)]"
        fi
    elif [ $rc -ne 1 ] && [ $rc -ne 2 ]; then
        bad=$((bad + 1))
        fail "train-exit-f$k" "train exit $rc: $(first_err "e$k")"
    fi
    k=$((k + 1))
done

# the property must have been tried on enough models to mean something
if [ $bad -eq 0 ] && [ $trained -ge $((cases / 3)) ]; then
    pass "models-usable ($trained of $cases trainings saved a model; all load)"
else
    fail models-usable "$bad of $trained saved models unusable ($cases cases)"
fi
exit $status
