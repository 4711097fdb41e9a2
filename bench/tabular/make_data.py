#!/usr/bin/python3
"""Writes the tabular benchmark's data sets as train/test CSV files.

usage: make_data.py OUTDIR [--split-seed S] [--test-size F]

For each set NAME it writes OUTDIR/NAME-train.csv and OUTDIR/NAME-test.csv:
a header row (feature names, then the label column), one row per sample, the
features as Python prints a float (shortest repr, so both tools read back the
identical doubles) and the label last.

Classification (label column "class"; split by train_test_split(stratify=y,
test_size=0.3, random_state=S), S = 0 by default):
  iris, wine, breast_cancer, digits  scikit-learn's bundled copies (class
                                     names: setosa..., class_0..., malignant/
                                     benign, 0..9)
  moons    make_moons(n_samples=1000, noise=0.3, random_state=0), classes 0/1
  circles  make_circles(n_samples=1000, noise=0.1, factor=0.5,
           random_state=0), classes 0/1
Regression (label column "target"; the same split without stratify):
  regression  make_regression(n_samples=1000, n_features=10, noise=10,
              random_state=0)
  diabetes    load_diabetes() (bundled; its features as shipped, already
              scaled by scikit-learn)

Nothing is downloaded: sockets are disabled before scikit-learn is imported,
so any attempt to open one raises.
"""
import argparse
import csv
import os
import socket
import sys


class _NoNetwork(socket.socket):
    def __init__(self, *args, **kwargs):
        raise RuntimeError("make_data.py: network access attempted")


socket.socket = _NoNetwork
socket.create_connection = _NoNetwork

from sklearn import datasets  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402


def bundled(load):
    def get():
        d = load()
        return ([str(f) for f in d.feature_names], d.data,
                [str(d.target_names[t]) for t in d.target], d.target)
    return get


def generated(make, **kw):
    def get():
        x, y = make(random_state=0, **kw)
        return ([f"x{k}" for k in range(x.shape[1])], x,
                [str(int(t)) for t in y], y)
    return get


def regression(get_xy):
    def get():
        x, y, names = get_xy()
        return names, x, [repr(float(t)) for t in y], None
    return get


def _make_regression():
    x, y = datasets.make_regression(n_samples=1000, n_features=10, noise=10,
                                    random_state=0)
    return x, y, [f"x{k}" for k in range(10)]


def _diabetes():
    d = datasets.load_diabetes()
    return d.data, d.target, [str(f) for f in d.feature_names]


CLASSIFICATION = {
    "iris": bundled(datasets.load_iris),
    "wine": bundled(datasets.load_wine),
    "breast_cancer": bundled(datasets.load_breast_cancer),
    "digits": bundled(datasets.load_digits),
    "moons": generated(datasets.make_moons, n_samples=1000, noise=0.3),
    "circles": generated(datasets.make_circles, n_samples=1000, noise=0.1,
                         factor=0.5),
}
REGRESSION = {
    "regression": regression(_make_regression),
    "diabetes": regression(_diabetes),
}


def write(path, header, x, labels):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row, label in zip(x, labels):
            w.writerow([repr(float(v)) for v in row] + [label])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--split-seed", type=int, default=0)
    ap.add_argument("--test-size", type=float, default=0.3)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    for task, sets in (("class", CLASSIFICATION), ("target", REGRESSION)):
        for name, get in sets.items():
            features, x, labels, strat = get()
            xtr, xte, ytr, yte = train_test_split(
                x, labels, test_size=args.test_size, stratify=strat,
                random_state=args.split_seed)
            header = features + [task]
            write(os.path.join(args.outdir, f"{name}-train.csv"), header, xtr, ytr)
            write(os.path.join(args.outdir, f"{name}-test.csv"), header, xte, yte)
            print(f"{name}: {len(ytr)} train + {len(yte)} test rows, "
                  f"{x.shape[1]} features, "
                  + (f"{len(set(labels))} classes" if strat is not None
                     else "regression"), file=sys.stderr)


if __name__ == "__main__":
    main()
