#!/usr/bin/python3
"""bench/scaling_plot.py - draws benchmark C (bench/scaling.sh).

    scaling_plot.py SCALING.CSV OUT.png [--title T] [--fit-width W] [--fit-n N]
                    [--l2 BYTES] [--l3 BYTES]

Reads the CSV that scaling.sh writes (sweep,width,n,epochs,
us_per_epoch_min,us_per_epoch_median,gflops,working_set_mib) and draws
four panels: µs/epoch against the hidden width and against n (log-log,
with the fitted line over the upper part of the sweep and the target slope
2 or 1 for comparison, each segment labelled with its local exponent), and
the achieved GFLOP/s of both sweeps.  --l2 and --l3 (one core's L2, the
L3) mark where the working set outgrows each cache.  Needs Debian's
python3-matplotlib.
"""
import argparse
import csv
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402


def fit(xs, ys):
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    k = len(lx)
    mx, my = sum(lx) / k, sum(ly) / k
    b = sum((a - mx) * (c - my) for a, c in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)
    return b, math.exp(my - b * mx)


def working_set(w, n):
    """Bytes of an epoch's data, as scaling.sh counts them: the workspace of
    one pass of c samples (a full batch is taken in passes of about 2 MiB)
    and the parameters, their gradient and the momentum."""
    units = 4 * w + 4
    fits = int(2097152 / (units * 8))
    c = min(n, fits // 16 * 16 if fits > 256 else 256)
    return 8 * (c * units + 3 * (w * w + 5 * w + 1))


def crossing(f, lo, hi, size):
    """The x in [lo, hi] where the increasing f(x) reaches size, or None."""
    if f(lo) >= size or f(hi) < size:
        return None
    for _ in range(60):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if f(mid) < size else (lo, mid)
    return hi


def mark_caches(ax, f, xs, caches):
    first = True
    for name, size in caches:
        x = crossing(f, xs[0], xs[-1], size)
        if x is None:
            continue
        ax.axvline(x, color="tab:purple", ls=":", lw=1.3,
                   label="working set outgrows a cache" if first else None)
        first = False
        ax.annotate(f"> {name} ({size / 1048576:g} MiB)", (x, 0.03),
                    xycoords=("data", "axes fraction"), textcoords="offset points",
                    xytext=(2, 0), rotation=90, ha="left", va="bottom", fontsize=8,
                    color="tab:purple")


def plain(v, _pos=None):
    return f"{v:g}" if v < 1e4 else f"{v:.0e}".replace("e+0", "e")


def time_panel(ax, xs, ys, fit_from, target, xlabel, what, f, caches):
    ax.loglog(xs, ys, "o-", color="tab:blue", lw=1.6, ms=6, label="measured (min of runs)")
    for i in range(1, len(xs)):
        le = math.log(ys[i] / ys[i - 1]) / math.log(xs[i] / xs[i - 1])
        xm = math.sqrt(xs[i] * xs[i - 1])
        ym = math.sqrt(ys[i] * ys[i - 1])
        ax.annotate(f"{le:.2f}", (xm, ym), textcoords="offset points", xytext=(-4, 8),
                    ha="right", fontsize=8.5, color="tab:blue")
    fx = [x for x in xs if x >= fit_from]
    fy = [y for x, y in zip(xs, ys) if x >= fit_from]
    if len(fx) >= 2:
        b, a = fit(fx, fy)
        ax.loglog(fx, [a * x ** b for x in fx], "-", color="tab:red", lw=2.5, alpha=0.6,
                  label=f"fit, {what} ≥ {fit_from:g}: exponent {b:.2f}")
        # the target slope through the first fitted point
        x0, y0 = fx[0], fy[0]
        ax.loglog(xs, [y0 * (x / x0) ** target for x in xs], "--", color="gray", lw=1,
                  label=f"slope {target} (target) through {what} = {x0:g}")
    mark_caches(ax, f, xs, caches)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("µs per epoch (log)")
    ax.set_xticks(xs)
    ax.xaxis.set_major_formatter(FuncFormatter(plain))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, p: ""))
    ax.yaxis.set_major_formatter(FuncFormatter(plain))
    ax.grid(True, which="major", alpha=0.4)
    ax.grid(True, which="minor", alpha=0.12)
    ax.legend(fontsize=8.5, loc="upper left", title_fontsize=8.5,
              title="numbers on the segments: local exponent")


def flops_panel(ax, xs, gf, xlabel, f, caches):
    ax.semilogx(xs, gf, "s-", color="tab:green", lw=1.6, ms=6)
    for x, g in zip(xs, gf):
        ax.annotate(f"{g:.1f}", (x, g), textcoords="offset points", xytext=(0, 7),
                    ha="center", fontsize=8.5)
    ax.set_ylim(0, max(gf) * 1.2)
    mark_caches(ax, f, xs, caches)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("GFLOP/s, 2·n·(3W²+7W) flops an epoch")
    ax.set_xticks(xs)
    ax.xaxis.set_major_formatter(FuncFormatter(plain))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, p: ""))
    ax.grid(True, which="major", alpha=0.4)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8.5, loc="upper left")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv")
    ap.add_argument("out")
    ap.add_argument("--title", default="backprop: cost of an epoch")
    ap.add_argument("--fit-width", type=float, default=64)
    ap.add_argument("--fit-n", type=float, default=1000)
    ap.add_argument("--l2", type=float, help="bytes of one core's L2")
    ap.add_argument("--l3", type=float, help="bytes of the L3")
    args = ap.parse_args()

    rows = {"width": [], "n": []}
    with open(args.csv, newline="") as f:
        for r in csv.DictReader(f):
            rows[r["sweep"]].append((int(r["width"]), int(r["n"]),
                                     float(r["us_per_epoch_min"]), float(r["gflops"])))
    w = sorted(rows["width"])
    n = sorted(rows["n"], key=lambda r: r[1])
    if len(w) < 2 or len(n) < 2:
        raise SystemExit("scaling_plot: need at least 2 points in each sweep")
    n_fixed = w[0][1]
    w_fixed = n[0][0]

    caches = [(name, size) for name, size in (("L2", args.l2), ("L3", args.l3)) if size]
    fw = lambda x: working_set(x, n_fixed)  # noqa: E731
    fn = lambda x: working_set(w_fixed, x)  # noqa: E731
    fig, axes = plt.subplots(2, 2, figsize=(13, 9.5),
                             gridspec_kw={"height_ratios": [3, 2]})
    time_panel(axes[0][0], [r[0] for r in w], [r[2] for r in w], args.fit_width, 2,
               f"hidden width W (network 2-W-W-1, n = {n_fixed})", "W", fw, caches)
    axes[0][0].set_title(f"time per epoch against the width (n = {n_fixed})")
    time_panel(axes[0][1], [r[1] for r in n], [r[2] for r in n], args.fit_n, 1,
               f"points n (network 2-{w_fixed}-{w_fixed}-1)", "n", fn, caches)
    axes[0][1].set_title(f"time per epoch against n (W = {w_fixed})")
    flops_panel(axes[1][0], [r[0] for r in w], [r[3] for r in w], "hidden width W", fw, caches)
    axes[1][0].set_title("achieved GFLOP/s against the width")
    flops_panel(axes[1][1], [r[1] for r in n], [r[3] for r in n], "points n", fn, caches)
    axes[1][1].set_title("achieved GFLOP/s against n")
    fig.suptitle(args.title, fontsize=13)
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)


if __name__ == "__main__":
    main()
