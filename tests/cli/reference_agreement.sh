#!/bin/sh
# reference_agreement.sh - backprop's seed preset against the numpy reference.
#
#   BP=build/backprop tests/cli/reference_agreement.sh
#
# For data linear and xor and weight seeds 1, 2, 3 runs
#   $BP train --preset seed --init numpy --seed S --data D
#   /usr/bin/python3 tests/reference/seed_reference.py --data D --seed S
# and checks that
#   - both print the same "epoch N loss : L" epochs, with every loss equal
#     to 9 significant digits (|a - b| <= 5e-10 * max(|a|, |b|));
#   - the "accuracy : A %" lines are identical.
# One line per check, "PASS <name>" or "FAIL <name>: <reason>"; exit 0 when
# every check passed, else 1.
set -u

. "$(dirname "$0")/lib.sh"
bp_test_setup reference-agreement
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
REF=$HERE/../reference/seed_reference.py
RTOL=5e-10

if ! "$PY" -c 'import numpy' >/dev/null 2>&1; then
    echo "FAIL reference-numpy: python3-numpy missing (run make deps)"
    exit 1
fi

# compare KIND C_OUT REF_OUT: prints nothing when they agree, else the reason.
compare() {
    "$PY" - "$1" "$2" "$3" "$RTOL" <<'EOF'
import math, re, sys

kind, c_path, r_path, rtol = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
EPOCH = re.compile(r"epoch (\d+) loss : (\S+)")
ACC = re.compile(r"accuracy : (\S+) %")

def lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().splitlines()

def epochs(path, who):
    out = []
    for line in lines(path):
        if not line.startswith("epoch"):
            continue
        m = EPOCH.fullmatch(line)
        if not m:
            sys.exit("%s: malformed epoch line %r" % (who, line))
        try:
            out.append((int(m.group(1)), float(m.group(2)), m.group(2)))
        except ValueError:
            sys.exit("%s: unreadable loss in %r" % (who, line))
    if not out:
        sys.exit("%s printed no 'epoch N loss : L' lines" % who)
    return out

def accuracy(path, who):
    found = [l for l in lines(path) if l.startswith("accuracy")]
    if len(found) != 1:
        sys.exit("%s printed %d accuracy lines, expected 1" % (who, len(found)))
    if not ACC.fullmatch(found[0]):
        sys.exit("%s: malformed accuracy line %r" % (who, found[0]))
    return found[0]

if kind == "losses":
    c, r = epochs(c_path, "backprop"), epochs(r_path, "reference")
    ce, re_ = [e for e, _, _ in c], [e for e, _, _ in r]
    if ce != re_:
        sys.exit("epochs differ: backprop logs %d epochs (%s..%s), reference %d (%s..%s)"
                 % (len(ce), ce[0], ce[-1], len(re_), re_[0], re_[-1]))
    bad, worst = [], 0.0
    for (e, a, sa), (_, b, sb) in zip(c, r):
        if a == b or (math.isnan(a) and math.isnan(b)):
            continue
        scale = max(abs(a), abs(b))
        rel = abs(a - b) / scale if math.isfinite(scale) else math.inf
        if math.isnan(rel):
            rel = math.inf
        worst = max(worst, rel)
        if not rel <= rtol:
            bad.append((e, sa, sb, rel))
    if bad:
        e, sa, sb, rel = bad[0]
        sys.exit("%d of %d losses differ beyond %g relative; first at epoch %d: "
                 "backprop %s, reference %s (rel %.3g); worst rel %.3g"
                 % (len(bad), len(c), rtol, e, sa, sb, rel, worst))
else:
    a, b = accuracy(c_path, "backprop"), accuracy(r_path, "reference")
    if a != b:
        sys.exit("backprop %r, reference %r" % (a, b))
EOF
}

for data in linear xor; do
    for seed in 1 2 3; do
        name=reference-$data-seed$seed
        "$BP" train --preset seed --init numpy --seed "$seed" --data "$data" \
            >"$tmp/c.out" 2>"$tmp/c.err"
        rc=$?
        if [ "$rc" -ne 0 ]; then
            echo "FAIL $name: backprop exited $rc: $(head -n 1 "$tmp/c.err")"
            status=1
            continue
        fi
        "$PY" "$REF" --data "$data" --seed "$seed" >"$tmp/r.out" 2>"$tmp/r.err"
        rc=$?
        if [ "$rc" -ne 0 ]; then
            echo "FAIL $name: seed_reference.py exited $rc: $(tail -n 1 "$tmp/r.err")"
            status=1
            continue
        fi
        for kind in losses accuracy; do
            if reason=$(compare "$kind" "$tmp/c.out" "$tmp/r.out" 2>&1); then
                echo "PASS $name-$kind"
            else
                echo "FAIL $name-$kind: $(printf '%s' "$reason" | tail -n 1)"
                status=1
            fi
        done
    done
done
exit "$status"
