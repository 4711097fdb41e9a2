#!/usr/bin/python3
"""Writes iris, wine and breast cancer as train/test CSV files.

usage: make_data.py OUTDIR [--split-seed S] [--test-size F]

For each set NAME it writes OUTDIR/NAME-train.csv and OUTDIR/NAME-test.csv:
a header row (scikit-learn's feature names, then "class"), one row per
sample, the features as Python prints a float (shortest repr, so both tools
read back the identical doubles) and the class name last (iris: setosa,
versicolor, virginica; wine: class_0..class_2; breast cancer: malignant,
benign).  The split is scikit-learn's train_test_split(stratify=y,
test_size=0.3, random_state=S), S = 0 by default, so every class keeps its
share in both files.

The data are the copies shipped inside scikit-learn (load_iris, load_wine,
load_breast_cancer read sklearn/datasets/data/*.csv).  To prove that nothing
is downloaded, this script disables sockets before importing scikit-learn:
any attempt to open one raises.
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

from sklearn.datasets import load_breast_cancer, load_iris, load_wine  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

SETS = {"iris": load_iris, "wine": load_wine, "breast_cancer": load_breast_cancer}


def write(path, header, x, names):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row, name in zip(x, names):
            w.writerow([repr(float(v)) for v in row] + [name])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--split-seed", type=int, default=0)
    ap.add_argument("--test-size", type=float, default=0.3)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    for name, load in SETS.items():
        d = load()
        header = [str(f) for f in d.feature_names] + ["class"]
        labels = [str(d.target_names[t]) for t in d.target]
        xtr, xte, ytr, yte = train_test_split(
            d.data, labels, test_size=args.test_size, stratify=d.target,
            random_state=args.split_seed)
        write(os.path.join(args.outdir, f"{name}-train.csv"), header, xtr, ytr)
        write(os.path.join(args.outdir, f"{name}-test.csv"), header, xte, yte)
        print(f"{name}: {len(ytr)} train + {len(yte)} test rows, "
              f"{d.data.shape[1]} features, {len(d.target_names)} classes",
              file=sys.stderr)


if __name__ == "__main__":
    main()
