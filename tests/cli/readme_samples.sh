#!/bin/sh
# readme_samples.sh - README's sample outputs are what the build prints.
#
# Every README block introduced by a line
#     Sample output, `build/backprop ARGS`:
# is compared with the output of `$BP ARGS` (run in a scratch folder), line
# by line.  Lines must be identical, with one documented exception: the
# loss of an `epoch N loss : L` line may differ in its last digits, by at
# most 1e-13 relative, because the kernels sum in another order on another
# instruction set (SSE2, AVX2, AVX-512; README says so under the sample).
# README=path overrides the README checked (the test of this test).
# One line per check, "PASS name" or "FAIL name: reason"; exit 1 on failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bp_test_setup readme-samples
readme=${README:-$here/../../README.md}
PY=/usr/bin/python3

"$PY" - "$readme" "$BP" "$tmp" <<'PYEOF'
import re, subprocess, sys

readme, bp, tmp = sys.argv[1:4]
text = open(readme, encoding="utf-8").read().split("\n")
LOSS = re.compile(r"^epoch (\d+) loss : (\S+)$")
samples = []
for i, line in enumerate(text):
    m = re.match(r"^Sample output, `build/backprop ([^`]*)`:$", line)
    if not m:
        continue
    j = i + 1
    while j < len(text) and text[j].strip() == "":
        j += 1
    if j >= len(text) or text[j] != "```":
        print("FAIL readme-sample-%d: no ``` block after line %d" % (i + 1, i + 1))
        continue
    k = j + 1
    while k < len(text) and text[k] != "```":
        k += 1
    samples.append((i + 1, m.group(1), text[j + 1:k]))

if not samples:
    print("FAIL readme-samples: README holds no 'Sample output, `build/backprop ...`:' block")
    sys.exit(1)

failed = 0
for line_no, args, want in samples:
    name = "readme-sample-line-%d" % line_no
    run = subprocess.run([bp] + args.split(), cwd=tmp, capture_output=True,
                         text=True)
    got = run.stdout.rstrip("\n").split("\n")
    why = None
    if run.returncode != 0:
        why = "exit %d: %s" % (run.returncode, run.stderr.strip()[:200])
    elif len(got) != len(want):
        why = "%d lines printed, README shows %d" % (len(got), len(want))
    else:
        for g, w in zip(got, want):
            if g == w:
                continue
            mg, mw = LOSS.match(g), LOSS.match(w)
            if (mg and mw and mg.group(1) == mw.group(1) and
                    abs(float(mg.group(2)) - float(mw.group(2))) <=
                    1e-13 * abs(float(mw.group(2)))):
                continue
            why = "printed %r where README shows %r" % (g, w)
            break
    if why:
        print("FAIL %s (%s): %s" % (name, args, why))
        failed = 1
    else:
        print("PASS %s (%s)" % (name, args))
sys.exit(failed)
PYEOF
exit $?
