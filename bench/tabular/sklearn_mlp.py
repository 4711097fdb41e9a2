#!/usr/bin/python3
"""scikit-learn's MLPClassifier() / MLPRegressor() defaults on make_data.py's files.

usage: sklearn_mlp.py DIR SET --seeds N [--regression]

Reads DIR/SET-train.csv and DIR/SET-test.csv (the very files backprop reads),
fits StandardScaler on the training rows only (backprop standardises its
features the same way), and for random_state = 1..N fits MLPClassifier() (or
MLPRegressor() with --regression) with every other parameter at its default:
hidden_layer_sizes (100,), relu, adam, learning_rate_init 1e-3, batch_size
min(200, n), alpha 1e-4, max_iter 200, tol 1e-4, n_iter_no_change 10.  Prints
one tab-separated line per seed:

  sklearn  SET  SEED  TRAIN  TEST  N_ITER  SECONDS

TRAIN and TEST are accuracy in percent, or RMSE in the target's units with
--regression; SECONDS is the wall time of the fit and the two predictions
(not Python's start or the CSV reading).  A ConvergenceWarning (max_iter
reached) is allowed: it is what the defaults do.
"""
import argparse
import csv
import os
import socket
import time
import warnings


class _NoNetwork(socket.socket):
    def __init__(self, *args, **kwargs):
        raise RuntimeError("sklearn_mlp.py: network access attempted")


socket.socket = _NoNetwork  # nothing here needs the network
socket.create_connection = _NoNetwork

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


def load(path, regression):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    x = np.array([[float(v) for v in r[:-1]] for r in rows])
    y = [r[-1] for r in rows]
    return x, (np.array([float(v) for v in y]) if regression else np.array(y))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("set")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--regression", action="store_true")
    args = ap.parse_args()
    xtr, ytr = load(os.path.join(args.dir, f"{args.set}-train.csv"), args.regression)
    xte, yte = load(os.path.join(args.dir, f"{args.set}-test.csv"), args.regression)
    scaler = StandardScaler().fit(xtr)
    xtr, xte = scaler.transform(xtr), scaler.transform(xte)
    warnings.simplefilter("ignore", ConvergenceWarning)
    for seed in range(1, args.seeds + 1):
        t0 = time.perf_counter()
        if args.regression:
            m = MLPRegressor(random_state=seed).fit(xtr, ytr)
            tr = float(np.sqrt(np.mean((m.predict(xtr) - ytr) ** 2)))
            te = float(np.sqrt(np.mean((m.predict(xte) - yte) ** 2)))
        else:
            m = MLPClassifier(random_state=seed).fit(xtr, ytr)
            tr, te = 100 * m.score(xtr, ytr), 100 * m.score(xte, yte)
        seconds = time.perf_counter() - t0
        print(f"sklearn\t{args.set}\t{seed}\t{tr!r}\t{te!r}\t{m.n_iter_}\t"
              f"{seconds!r}", flush=True)


if __name__ == "__main__":
    main()
