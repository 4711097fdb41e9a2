#!/bin/sh
# lab_cnn.sh - backprop lab --extra cnn: section 5C on a small budget (the
# first 2000 Fashion-MNIST images of each set, 1 epoch) has its table with
# both networks and their parameter counts, its figures as PNGs, numbers
# that agree with its per-epoch CSVs; the rest of the report is the plain
# lab's; unknown sections and 5C's options without it exit 2.
set -u
. "$(dirname "$0")/lib.sh"
bp_test_setup lab_cnn
PY=/usr/bin/python3

# --- usage errors: exit 2, one line, nothing written
"$BP" lab --extra foo --out "$tmp/x" >"$tmp/x.out" 2>"$tmp/x.err"
rc=$?
msg="backprop: error: option --extra: unknown section 'foo'; the sections are: cnn"
if [ $rc -eq 2 ] && [ "$(cat "$tmp/x.err")" = "$msg" ] && [ ! -e "$tmp/x" ] &&
   [ ! -s "$tmp/x.out" ]; then pass extra-unknown
else fail extra-unknown "exit $rc: $(first_err "$tmp/x.err")"; fi
"$BP" lab --extra cnn,bar --out "$tmp/x" >/dev/null 2>"$tmp/x.err"
rc=$?
[ $rc -eq 2 ] && grep -q "unknown section 'bar'" "$tmp/x.err" &&
    pass extra-unknown-in-list || fail extra-unknown-in-list "exit $rc"
"$BP" lab --extra "" --out "$tmp/x" >/dev/null 2>"$tmp/x.err"
rc=$?
[ $rc -eq 2 ] && grep -q "^backprop: error: option --extra: " "$tmp/x.err" &&
    pass extra-empty || fail extra-empty "exit $rc: $(first_err "$tmp/x.err")"
for v in "cnn," ",cnn" "cnn,,cnn"; do
    "$BP" lab --extra "$v" --out "$tmp/x" >/dev/null 2>"$tmp/x.err"
    rc=$?
    want="backprop: error: option --extra: expects section names separated by commas: cnn"
    if [ $rc -eq 2 ] && [ "$(cat "$tmp/x.err")" = "$want" ]; then
        pass "extra-empty-item'$v'"
    else fail "extra-empty-item'$v'" "exit $rc: $(first_err "$tmp/x.err")"; fi
done
for o in "--cnn-epochs 2" "--cnn-limit 100"; do
    name=${o%% *}
    # shellcheck disable=SC2086
    "$BP" lab $o --out "$tmp/x" >/dev/null 2>"$tmp/x.err"
    rc=$?
    want="backprop: error: option $name: applies to --extra cnn"
    if [ $rc -eq 2 ] && [ "$(cat "$tmp/x.err")" = "$want" ]; then
        pass "alone$name"
    else fail "alone$name" "exit $rc: $(first_err "$tmp/x.err")"; fi
done
"$BP" lab --extra cnn --cnn-epochs 0 --out "$tmp/x" >/dev/null 2>"$tmp/x.err"
rc=$?
[ $rc -eq 2 ] && grep -q "option --cnn-epochs" "$tmp/x.err" && [ ! -e "$tmp/x" ] &&
    pass cnn-epochs-zero || fail cnn-epochs-zero "exit $rc: $(first_err "$tmp/x.err")"

if [ ! -r /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    fail lab-cnn "dataset-fashion-mnist is not installed (make deps)"
    exit 1
fi

# --- a short lab with 5C, and the same lab without it
limit=2000
case "$BP" in *asan*) limit=600 ;; esac
base="--seeds 1 --epochs 100 --threads 2"
# shellcheck disable=SC2086
"$BP" lab $base --extra cnn --cnn-epochs 1 --cnn-limit $limit --out "$tmp/a" \
    >"$tmp/a.out" 2>"$tmp/a.err"
rc=$?
[ $rc -eq 0 ] && pass lab-cnn-runs || fail lab-cnn-runs "exit $rc: $(grep error "$tmp/a.err" | head -2)"
# shellcheck disable=SC2086
"$BP" lab $base --out "$tmp/b" >"$tmp/b.out" 2>"$tmp/b.err"
rc=$?
[ $rc -eq 0 ] && pass lab-plain-runs || fail lab-plain-runs "exit $rc"

r=$tmp/a/REPORT.md
grep -q '^### 5C. Convolution$' "$r" && pass section-5c || fail section-5c "no heading"
if grep -q '^### 5C' "$tmp/b/REPORT.md" || ls "$tmp/b/figures" | grep -q fashion ||
   ls "$tmp/b/logs" | grep -q fashion; then
    fail plain-has-no-5c "the plain lab wrote 5C"
else pass plain-has-no-5c; fi

# both rows, with the parameters counted by hand: MLP 784-256-128-10
# (784*256+256 + 256*128+128 + 128*10+10), CNN conv 1->32 3x3 (320), conv
# 32->64 3x3 (18496), dense 64*7*7 -> 128 (401536), dense 128 -> 10 (1290)
grep -q '^| MLP | `dense:256,relu,dense:128,relu` | 235146 | 1 | ' "$r" &&
    pass table-mlp-row || fail table-mlp-row "$(grep '^| MLP' "$r")"
grep -q '^| CNN | `conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2,dense:128,relu` | 421642 | 1 | ' "$r" &&
    pass table-cnn-row || fail table-cnn-row "$(grep '^| CNN' "$r")"

# every figure referenced exists and is a PNG; the four of 5C are there
bad=""
for f in $(grep -o '](figures/[^)]*\.png)' "$r" | sed 's/^](//; s/)$//'); do
    [ "$(head -c 8 "$tmp/a/$f" 2>/dev/null | tail -c 7)" = "$(printf 'PNG\r\n\032\n')" ] ||
        bad="$bad $f"
done
for f in fashion-loss fashion-accuracy fashion-cnn-filters fashion-cnn-wrong; do
    grep -q "](figures/$f.png)" "$r" || bad="$bad $f(not referenced)"
done
[ -z "$bad" ] && pass figures-png || fail figures-png "$bad"

# the numbers of the table and the prose are those of the CSVs
"$PY" - "$tmp/a" "$limit" <<'PYEOF' && pass numbers-match-csv || fail numbers-match-csv "see above"
import csv, re, sys
d, limit = sys.argv[1], int(sys.argv[2])
rep = open(d + "/REPORT.md").read()
sect = rep.split("### 5C. Convolution")[1].split("## Files")[0]
for name, f in (("MLP", "mlp"), ("CNN", "cnn")):
    rows = list(csv.DictReader(open("%s/logs/fashion-%s.csv" % (d, f))))
    assert len(rows) == 1, rows
    row = re.search(r"^\| %s \| [^|]+\| \d+ \| 1 \| [\d.]+ \| ([\d.]+) \| ([\d.]+) %% \|$" % name,
                    sect, re.M)
    assert row, name
    assert row.group(1) == "%.4f" % float(rows[0]["val_loss"]), (row.group(1), rows[0])
    assert row.group(2) == "%.2f" % float(rows[0]["val_accuracy"]), (row.group(2), rows[0])
    if name == "CNN":
        acc = float(rows[0]["val_accuracy"])
m = re.search(r"The CNN gets (\d+) of the (\d+) test images wrong", sect)
assert m and int(m.group(2)) == limit, m
wrong = int(m.group(1))
assert abs(100.0 * (limit - wrong) / limit - acc) < 1e-9, (wrong, acc)
assert "--cnn-limit" in sect and "%d training images" % limit in sect
PYEOF

# the rest of the report is the plain lab's: the same text but for the
# command line and the wall time, the same figures and summary.csv
strip() { sed -E '1,5s/^Written by .*$//' "$1" | sed '/^### 5C/,/^## Files/{/^## Files/!d}' |
          grep -v '^- `logs/fashion-'; }
if strip "$tmp/a/REPORT.md" | diff - "$(strip "$tmp/b/REPORT.md" >"$tmp/b.strip"; echo "$tmp/b.strip")" >"$tmp/diff"; then
    pass report-rest-same
else fail report-rest-same "$(head -5 "$tmp/diff")"; fi
same=1
for f in $(cd "$tmp/b" && find figures logs -type f); do
    cmp -s "$tmp/a/$f" "$tmp/b/$f" || { same=0; echo "# differs: $f"; }
done
sed -E 's/,[^,]*$//' "$tmp/a/summary.csv" >"$tmp/a.csv"
sed -E 's/,[^,]*$//' "$tmp/b/summary.csv" >"$tmp/b.csv"
cmp -s "$tmp/a.csv" "$tmp/b.csv" || { same=0; echo "# differs: summary.csv"; }
cmp -s "$tmp/a.out" "$tmp/b.out" || { same=0; echo "# differs: stdout"; }
[ $same -eq 1 ] && pass rest-files-same || fail rest-files-same "see above"

exit $status
