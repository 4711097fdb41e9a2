#!/bin/sh
# lab.sh - backprop lab: a short lab (2 seeds, 500 epochs) writes every
# section, figure and table; the report's numbers are those of summary.csv;
# the output does not depend on --threads; a foreign folder is refused.
set -u
. "$(dirname "$0")/lib.sh"
bp_test_setup lab
PY=/usr/bin/python3

# Under the sanitizers the runs are slower: fewer epochs.
epochs=500
case "$BP" in *asan*) epochs=200 ;; esac

"$BP" lab --seeds 2 --epochs $epochs --threads 1 --out "$tmp/a" >"$tmp/a.out" 2>"$tmp/a.err"
rc=$?
[ $rc -eq 0 ] && pass lab-runs || fail lab-runs "exit $rc: $(head -3 "$tmp/a.err")"
"$BP" lab --seeds 2 --epochs $epochs --threads 2 --out "$tmp/b" >"$tmp/b.out" 2>"$tmp/b.err"
rc=$?
[ $rc -eq 0 ] && pass lab-runs-threads || fail lab-runs-threads "exit $rc"

# stdout: the seed's two experiments as the report prints them
n=$(grep -c '^accuracy : ' "$tmp/a.out")
[ "$n" -eq 2 ] && pass lab-stdout || fail lab-stdout "$n accuracy lines"

# every section, figure and table, and every figure referenced exists
r=$tmp/a/REPORT.md
for s in "## 1. Back-propagation" "## 2. Experiment setup" "## 3. Results" \
         "## 4. Discussion" "### 4A. Learning rates" "### 4B. Hidden units" \
         "### 4C. Without activation" "## 5. Extra" "### 5A. Optimizers" \
         "### 5B. Activations at learning rate 0.1" \
         "### 5B. Activations at learning rate 1"; do
    grep -qF "$s" "$r" || { fail lab-sections "missing '$s'"; break; }
done
grep -qF "## 5. Extra" "$r" && pass lab-sections
missing=""
for f in $(grep -o '](figures/[^)]*\.png)' "$r" | sed 's/^](//; s/)$//'); do
    [ -s "$tmp/a/$f" ] || missing="$missing $f"
done
nfig=$(grep -o '](figures/[^)]*\.png)' "$r" | wc -l)
if [ -z "$missing" ] && [ "$nfig" -eq 18 ]; then pass lab-figures
else fail lab-figures "$nfig referenced, missing:$missing"; fi
ntab=$(grep -c '^| setting | final loss' "$r")
[ "$ntab" -eq 12 ] && pass lab-tables || fail lab-tables "$ntab tables"
grep -q 'W3\[1\]\[1\]' "$r" && grep -q 'central difference' "$r" \
    && pass lab-trace || fail lab-trace "no worked example"

# the numbers in the tables are those of summary.csv
"$PY" - "$tmp/a" <<'PYEOF' && pass lab-numbers-match-csv || fail lab-numbers-match-csv "see above"
import csv, math, re, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/summary.csv")))
assert len(rows) == 2 * 11 * 2, len(rows)
sections = [
    ("### 4A. Learning rates", [("lr 0.1", "base"), ("lr 1", "lr1"), ("lr 0.01", "lr0.01")]),
    ("### 4B. Hidden units", [("n = 10", "base"), ("n = 15", "hidden15"), ("n = 5", "hidden5")]),
    ("### 4C. Without activation", [("sigmoid", "base"), ("no activation", "none")]),
    ("### 5A. Optimizers", [("SGD", "sgd"), ("momentum", "base")]),
    ("### 5B. Activations at learning rate 0.1", [("sigmoid", "base"), ("ReLU", "relu"), ("tanh", "tanh")]),
    ("### 5B. Activations at learning rate 1\n", [("sigmoid", "lr1"), ("ReLU", "relu-lr1"), ("tanh", "tanh-lr1")]),
]
report = open(d + "/REPORT.md").read()
def stats(exp, data):
    rs = [r for r in rows if r["experiment"] == exp and r["data"] == data
          and r["diverged_at"] == "0"]
    if not rs:
        return "all diverged", None
    l = [float(r["final_loss"]) for r in rs]
    m = sum(l) / len(l)
    v = sum(x * x for x in l) / len(l) - m * m
    return "%.4g ± %.2g" % (m, math.sqrt(v) if v > 0 else 0), \
           "%.1f %%" % (sum(float(r["accuracy"]) for r in rs) / len(rs))
bad = checked = 0
for head, pairs in sections:
    sect = report.split(head)[1].split("\n### ")[0]
    for data, title in (("linear", "Linear"), ("xor", "XOR")):
        part = sect.split("#### %s data" % title)[1].split("####")[0]
        for label, exp in pairs:
            loss, acc = stats(exp, data)
            want = "| %s | %s | %s" % (label, loss, acc) if acc else "| %s | %s |" % (label, loss)
            checked += 1
            if want not in part:
                print("not in the report:", head, data, want); bad += 1
assert checked == 32, checked
sys.exit(1 if bad else 0)
PYEOF

# identical output for any --threads, timings aside
strip() { sed -e 's/in [0-9.]* s of wall time/in T s of wall time/' "$1"; }
if [ "$(strip "$tmp/a/REPORT.md")" = "$(strip "$tmp/b/REPORT.md")" ] &&
   [ "$(sed 's/,[^,]*$//' "$tmp/a/summary.csv")" = "$(sed 's/,[^,]*$//' "$tmp/b/summary.csv")" ]; then
    pass lab-threads-identical
else
    fail lab-threads-identical "REPORT.md or summary.csv differ"
fi
same=1
for f in $(cd "$tmp/a" && find figures logs -type f); do
    cmp -s "$tmp/a/$f" "$tmp/b/$f" || { same=0; echo "differs: $f"; }
done
[ $same -eq 1 ] && pass lab-figures-identical || fail lab-figures-identical "figures differ across --threads"

# a folder holding other files is refused unless --force
mkdir -p "$tmp/c" && echo keep > "$tmp/c/notes.txt"
"$BP" lab --seeds 1 --epochs 10 --out "$tmp/c" >/dev/null 2>"$tmp/c.err"
rc=$?
if [ $rc -eq 2 ] && grep -q "notes.txt" "$tmp/c.err" && [ ! -e "$tmp/c/REPORT.md" ]; then
    pass lab-refuses-foreign-folder
else
    fail lab-refuses-foreign-folder "exit $rc: $(cat "$tmp/c.err")"
fi
"$BP" lab --seeds 1 --epochs 10 --out "$tmp/c" --force >/dev/null 2>&1 &&
    [ -s "$tmp/c/REPORT.md" ] && [ "$(cat "$tmp/c/notes.txt")" = keep ] &&
    pass lab-force || fail lab-force "--force did not write the report"
"$BP" lab --data linear,foo >/dev/null 2>"$tmp/d.err"
[ $? -eq 2 ] && grep -q -- "--data" "$tmp/d.err" && pass lab-bad-data || fail lab-bad-data "$(cat "$tmp/d.err")"
exit $status
