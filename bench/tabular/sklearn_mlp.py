#!/usr/bin/python3
"""scikit-learn's MLPClassifier(10,10) on the CSV files make_data.py wrote.

usage: sklearn_mlp.py DIR SET --seeds N [--config default|matched] [--init glorot|he]

Reads DIR/SET-train.csv and DIR/SET-test.csv (the very files backprop reads),
fits StandardScaler on the training rows only, and for random_state = 1..N
trains MLPClassifier(hidden_layer_sizes=(10, 10)) and prints one tab-separated
line per seed:  tool  set  seed  train_accuracy  test_accuracy  n_iter  converged

--config default: scikit-learn's defaults (relu, adam, learning_rate_init
    1e-3, batch_size min(200, n), alpha 1e-4, tol 1e-4, n_iter_no_change 10)
    with max_iter=2000, so that training stops on its own convergence test
    (every run of this benchmark stops well before 2000; `converged` says
    whether a ConvergenceWarning was raised: 1 = no warning).
--config matched: backprop's settings in scikit-learn: learning_rate_init
    0.01, batch_size 32, exactly 200 epochs (max_iter=200, tol=0,
    n_iter_no_change=max_iter+1, so the convergence test never fires), alpha 0.
    The warning about max_iter is expected there and is ignored.
--init he: replace scikit-learn's initial weights (Glorot uniform, weights
    and biases in +-sqrt(6/(fan_in+fan_out))) by backprop's default for relu
    on files: He normal, N(0, 2/fan_in), biases 0 (drawn from the same
    random_state).  The tool column then reads sklearn-he / sklearn-matched-he.
"""
import argparse
import csv
import os
import socket
import warnings



class _NoNetwork(socket.socket):
    def __init__(self, *args, **kwargs):
        raise RuntimeError("sklearn_mlp.py: network access attempted")


socket.socket = _NoNetwork  # nothing here needs the network
socket.create_connection = _NoNetwork

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

CONFIGS = {
    "default": dict(max_iter=2000),
    "matched": dict(learning_rate_init=0.01, batch_size=32, max_iter=200,
                    tol=0.0, n_iter_no_change=201, alpha=0.0),
}


class HeInitMLP(MLPClassifier):
    """MLPClassifier starting from backprop's He-normal weights, zero biases."""

    def _init_coef(self, fan_in, fan_out, dtype):
        w = self._random_state.standard_normal((fan_in, fan_out))
        return (w * np.sqrt(2.0 / fan_in)).astype(dtype), np.zeros(fan_out, dtype)


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    return (np.array([[float(v) for v in r[:-1]] for r in rows]),
            np.array([r[-1] for r in rows]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("set")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--config", choices=CONFIGS, default="default")
    ap.add_argument("--init", choices=("glorot", "he"), default="glorot")
    args = ap.parse_args()
    xtr, ytr = load(os.path.join(args.dir, f"{args.set}-train.csv"))
    xte, yte = load(os.path.join(args.dir, f"{args.set}-test.csv"))
    scaler = StandardScaler().fit(xtr)
    xtr, xte = scaler.transform(xtr), scaler.transform(xte)
    tool = "sklearn" if args.config == "default" else "sklearn-matched"
    model = MLPClassifier
    if args.init == "he":
        tool, model = tool + "-he", HeInitMLP
    for seed in range(1, args.seeds + 1):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            m = model(hidden_layer_sizes=(10, 10), random_state=seed,
                              **CONFIGS[args.config]).fit(xtr, ytr)
        converged = not any(issubclass(w.category, ConvergenceWarning)
                            for w in caught)
        print(f"{tool}\t{args.set}\t{seed}\t{100 * m.score(xtr, ytr)!r}\t"
              f"{100 * m.score(xte, yte)!r}\t{m.n_iter_}\t{int(converged)}",
              flush=True)


if __name__ == "__main__":
    main()
