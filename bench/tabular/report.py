#!/usr/bin/python3
"""Turns run.sh's raw results into the Markdown of bench/results/tabular.md.

usage: report.py RAW.tsv DATADIR HEADER.md > tabular.md

RAW.tsv has one line per training run:
    tool  set  seed  train_accuracy  test_accuracy  n_iter  converged
tool is backprop, backprop-xavier, sklearn, sklearn-matched,
sklearn-matched-he, or grid:LR:EPOCHS (backprop's sensitivity runs).  Means are over the seeds; std is the sample standard
deviation (n - 1); the difference is backprop's mean minus scikit-learn's,
with its standard error sqrt(s1^2/n1 + s2^2/n2).
"""
import csv
import math
import os
import sys
from collections import defaultdict
from statistics import mean, stdev

SETS = ["iris", "wine", "breast_cancer"]
TITLES = {"iris": "Iris", "wine": "Wine", "breast_cancer": "Breast cancer (Wisconsin diagnostic)"}


def sd(v):
    return stdev(v) if len(v) > 1 else 0.0


def shape(datadir, name):
    def rows(part):
        with open(os.path.join(datadir, f"{name}-{part}.csv"), newline="") as f:
            return list(csv.reader(f))
    tr, te = rows("train"), rows("test")
    return len(tr) - 1, len(te) - 1, len(tr[0]) - 1, len({r[-1] for r in tr[1:]})


def fmt(v):
    return f"{mean(v):.2f} ± {sd(v):.2f}"


def main():
    raw, datadir, header = sys.argv[1:4]
    runs = defaultdict(list)   # (tool, set) -> [(seed, train, test, n_iter, conv)]
    with open(raw) as f:
        for line in f:
            tool, s, seed, tr, te, it, conv = line.rstrip("\n").split("\t")
            runs[tool, s].append((int(seed), float(tr), float(te), it, conv))
    out = [open(header).read().rstrip("\n"), ""]
    summary = []
    for name in SETS:
        n_tr, n_te, d, k = shape(datadir, name)
        tools = {"bp": "backprop", "bpx": "backprop-xavier", "sk": "sklearn",
                 "skm": "sklearn-matched", "skh": "sklearn-matched-he"}
        rs = {k: sorted(runs[t, name]) for k, t in tools.items()}
        bp, sk = rs["bp"], rs["sk"]
        if not bp or not sk:
            continue
        te = {k: [r[2] for r in v] for k, v in rs.items()}
        tr = {k: [r[1] for r in v] for k, v in rs.items()}
        diff = mean(te["bp"]) - mean(te["sk"])
        se = math.sqrt(sd(te["bp"]) ** 2 / len(bp) + sd(te["sk"]) ** 2 / len(sk))
        row_pts = 100.0 / n_te
        iters = [int(r[3]) for r in sk]
        conv = sum(int(r[4]) for r in sk)
        out += [f"## {TITLES[name]}", "",
                f"{n_tr} training and {n_te} test rows, {d} features, {k} classes; "
                f"one test row is {row_pts:.2f} points of accuracy.", "",
                "| tool | test accuracy % (mean ± std) | test accuracy per seed | train accuracy % | epochs |",
                "|---|---|---|---|---|"]
        def per(v):   # every seed's value, or the range when there are many
            if len(v) > 10:
                return f"{min(v):.2f} to {max(v):.2f} ({len(v)} seeds)"
            return " ".join(f"{x:.2f}" for x in v)
        out.append(f"| backprop | {fmt(te['bp'])} | {per(te['bp'])} | {mean(tr['bp']):.2f} | "
                   f"{bp[0][3]} |")
        out.append(f"| scikit-learn | {fmt(te['sk'])} | {per(te['sk'])} | {mean(tr['sk']):.2f} | "
                   f"{min(iters)}–{max(iters)} (converged {conv}/{len(sk)}) |")
        out.append(f"| **difference** (backprop − scikit-learn) | **{diff:+.2f}** ± {se:.2f} (s.e.) | "
                   f"{per([a - b for a, b in zip(te['bp'], te['sk'])])} | "
                   f"{mean(tr['bp']) - mean(tr['sk']):+.2f} | |")
        checks = (("skm", "scikit-learn with backprop's settings"),
                  ("skh", "scikit-learn with backprop's settings and He-normal init"),
                  ("bpx", "backprop `--init xavier`"))
        for k, label in checks:
            if rs[k]:
                out.append(f"| *check:* {label} | {fmt(te[k])} | {per(te[k])} | "
                           f"{mean(tr[k]):.2f} | {rs[k][0][3]} |")
        out.append("")
        opt = lambda k: mean(te[k]) if te[k] else None  # noqa: E731
        summary.append((name, mean(te["bp"]), sd(te["bp"]), mean(te["sk"]), sd(te["sk"]),
                        diff, se, row_pts, opt("skm"), opt("skh"), opt("bpx")))

    grid = defaultdict(dict)   # set -> {(lr, epochs): [test]}
    for (tool, name), v in runs.items():
        if tool.startswith("grid:"):
            _, lr, ep = tool.split(":")
            grid[name][lr, int(ep)] = [r[2] for r in v]
    if grid:
        lrs = sorted({k[0] for g in grid.values() for k in g}, key=float)
        eps = sorted({k[1] for g in grid.values() for k in g})
        out += ["## How much backprop's settings matter", "",
                "Not used to choose the settings above (the project README's iris example). "
                "backprop's mean test accuracy (same seeds, batch 32, Adam) for other "
                "learning rates and epoch counts:", "",
                "| set | " + " | ".join(f"lr {lr}, {e} ep" for lr in lrs for e in eps) + " |",
                "|---|" + "---|" * (len(lrs) * len(eps))]
        for name in SETS:
            if name in grid:
                cells = [f"{mean(grid[name][lr, e]):.2f}" if (lr, e) in grid[name] else ""
                         for lr in lrs for e in eps]
                out.append(f"| {name} | " + " | ".join(cells) + " |")
        out.append("")

    o = lambda v: "" if v is None else f"{v:.2f}"  # noqa: E731
    out = out[:2] + ["## Summary", "",
                     "Test accuracy %, mean ± std over the seeds; difference = backprop − "
                     "scikit-learn, ± its standard error. The last three columns are the "
                     "check rows (means).", "",
                     "| set | backprop | scikit-learn | difference | within 1 point (or better)? | one test row | "
                     "sklearn, backprop's settings | sklearn, backprop's settings + He init | "
                     "backprop `--init xavier` |",
                     "|---|---|---|---|---|---|---|---|---|"] + [
        f"| {n} | {b:.2f} ± {bs:.2f} | {s:.2f} ± {ss:.2f} | {d:+.2f} ± {se:.2f} | "
        f"{'yes' if d >= -1.0 else '**no**'} | {rp:.2f} | {o(m)} | {o(h)} | {o(x)} |"
        for n, b, bs, s, ss, d, se, rp, m, h, x in summary] + [""] + out[2:]
    sys.stdout.write("\n".join(out).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
