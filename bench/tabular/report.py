#!/usr/bin/python3
"""Turns bench/tabular's raw.tsv into Markdown.

usage: report.py RAW DATADIR HEADER.md

RAW lines: tool set seed train test epochs seconds (tool: backprop or
sklearn; train/test: accuracy % or RMSE).  Prints HEADER.md, a summary
table with each target's verdict, and one row per set and tool with the
per-seed values.  Exits 0 whether or not the targets are met: the table says.
"""
import statistics
import sys
from collections import defaultdict

REGRESSION = ("regression", "diabetes")


def mean_std(v):
    return statistics.mean(v), (statistics.stdev(v) if len(v) > 1 else 0.0)


def fmt_time(s):
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def main():
    raw, _datadir, header = sys.argv[1:4]
    runs = defaultdict(list)
    order = []
    with open(raw) as f:
        for line in f:
            tool, name, seed, tr, te, ep, sec = line.rstrip("\n").split("\t")
            if name not in order:
                order.append(name)
            runs[tool, name].append((int(seed), float(tr), float(te), ep,
                                     float(sec)))
    print(open(header).read())
    print("## Summary\n")
    print("Test accuracy % (classification) or test RMSE (regression), mean ± std over the "
          "seeds; time: mean wall time per run.\n")
    print("| set | metric | backprop | scikit-learn | target | met? | backprop time | "
          "scikit-learn time | faster? | epochs backprop / scikit-learn |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    all_met = True
    for name in order:
        b, s = runs["backprop", name], runs["sklearn", name]
        bm, bs = mean_std([r[2] for r in b])
        sm, ss = mean_std([r[2] for r in s])
        bt, st = statistics.mean(r[4] for r in b), statistics.mean(r[4] for r in s)
        reg = name in REGRESSION
        if reg:
            target, met = f"≤ {1.1 * sm:.2f} (1.1×)", bm <= 1.1 * sm
            metric = "RMSE"
        else:
            target, met = f"≥ {sm - 1:.2f} (−1 point)", bm >= sm - 1
            metric = "accuracy %"
        fast = bt <= st
        all_met = all_met and met and fast

        def ep(rows):
            e = sorted(int(r[3]) for r in rows if r[3].isdigit())
            return f"{e[0]}–{e[-1]}" if e and e[0] != e[-1] else (str(e[0]) if e else "?")
        print(f"| {name} | {metric} | {bm:.2f} ± {bs:.2f} | {sm:.2f} ± {ss:.2f} | {target} | "
              f"{'yes' if met else '**no**'} | {fmt_time(bt)} | {fmt_time(st)} | "
              f"{'yes' if fast else '**no**'} | {ep(b)} / {ep(s)} |")
    print(f"\nEvery target met: {'yes' if all_met else '**no**'}.\n")
    print("## Per seed\n")
    print("| set | tool | train | test per seed | epochs per seed | seconds per seed |")
    print("|---|---|---|---|---|---|")
    for name in order:
        for tool in ("backprop", "sklearn"):
            rows = sorted(runs[tool, name])
            trm = statistics.mean(r[1] for r in rows)
            print(f"| {name} | {tool} | {trm:.2f} | "
                  + " ".join(f"{r[2]:.2f}" for r in rows) + " | "
                  + " ".join(r[3] for r in rows) + " | "
                  + " ".join(f"{r[4]:.3f}" for r in rows) + " |")


if __name__ == "__main__":
    main()
