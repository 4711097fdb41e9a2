#!/usr/bin/python3
"""seed_numpy.py - the seed report's network, written the way the report does.

A 2-10-10-1 network without biases, sigmoid hidden and output units, the
report's cross-entropy with eps = 1e-4, momentum V = 0.9 V - lr * dW / n;
W += V, full batch.  The code follows the report's listings line for line:
feature-major activations (X is 2 x n), w = rng.randn(out, in), the sigmoid
derivative taken from the unit's output a * (1 - a), gradients summed over the
samples and divided by n in the update.

The data and the initial weights are drawn exactly as include/backprop.h says
backprop draws them with --init numpy --seed S:
  linear: numpy.random.RandomState(S).uniform(0, 1, (n, 2)), label 0 if x > y;
  xor:    the report's 21 points, in the report's order;
  weights: a fresh RandomState(S): w1 = randn(10, 2), w2 = randn(10, 10),
           w3 = randn(1, 10).

Output on stdout, one "name value" pair a line:
  train_seconds  time.perf_counter() around the training loop only
  final_loss     loss of the last epoch's forward pass (before its update)
  accuracy       percent of points with (output > 0.5) == label

This module is also imported by seed_torch.py (for the data and the weights)
and used by bench/run.sh to write the data and the weights for seed_fann.
"""
import argparse
import os
import sys
import time

import numpy as np

EPS = 1e-4
HIDDEN = 10
N_LINEAR = 100


# ------------------------------------------------------------------- data

def generate_linear(n, seed):
    """n x 2 inputs, n x 1 labels: 0 if x > y else 1."""
    pts = np.random.RandomState(seed).uniform(0, 1, (n, 2))
    labels = np.where(pts[:, 0] > pts[:, 1], 0.0, 1.0).reshape(n, 1)
    return pts, labels


def generate_xor():
    """The report's 21 XOR points in its order (the centre point once)."""
    inputs, labels = [], []
    for i in range(11):
        inputs.append([0.1 * i, 0.1 * i])
        labels.append(0.0)
        if i == 5:
            continue
        inputs.append([0.1 * i, 1 - 0.1 * i])
        labels.append(1.0)
    return np.array(inputs), np.array(labels).reshape(-1, 1)


def load_data(name, seed):
    if name == "linear":
        return generate_linear(N_LINEAR, seed)
    if name == "xor":
        return generate_xor()
    raise ValueError(f"unknown data set {name!r}")


def init_weights(seed, n_in=2, hidden=HIDDEN, n_out=1):
    """w[out][in] standard normals from a fresh RandomState(seed)."""
    rng = np.random.RandomState(seed)
    w1 = rng.randn(hidden, n_in)
    w2 = rng.randn(hidden, hidden)
    w3 = rng.randn(n_out, hidden)
    return w1, w2, w3


# ------------------------------------------------------------------ model

def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def derivative_sigmoid(a):
    # takes the sigmoid's output, as the report's derivative_sigmoid does
    return np.multiply(a, 1.0 - a)


def forwarding_pass(x, w1, w2, w3):
    a0 = x
    z1 = w1 @ a0
    a1 = sigmoid(z1)
    z2 = w2 @ a1
    a2 = sigmoid(z2)
    z3 = w3 @ a2
    a3 = sigmoid(z3)
    return a3, a0, a1, a2


def loss_bce(pred_y, y):
    """Mean over samples of the cross-entropy with eps inside the logs."""
    return float(-np.mean(y * np.log(pred_y + EPS)
                          + (1 - y) * np.log(1 - pred_y + EPS)))


def backpropagation(pred_y, y, w3, a2, w2, a1, a0):
    dJ_da3 = -(y / (pred_y + EPS) - (1 - y) / (1 - pred_y + EPS))
    dJ_dz3 = derivative_sigmoid(pred_y) * dJ_da3
    dJ_dw3 = dJ_dz3 @ a2.T

    dJ_da2 = w3.T @ dJ_dz3
    dJ_dz2 = derivative_sigmoid(a2) * dJ_da2
    dJ_dw2 = dJ_dz2 @ a1.T

    dJ_da1 = w2.T @ dJ_dz2
    dJ_dz1 = derivative_sigmoid(a1) * dJ_da1
    dJ_dw1 = dJ_dz1 @ a0.T
    return dJ_dw1, dJ_dw2, dJ_dw3


def train(x, y, w1, w2, w3, epochs, lr, mu=0.9):
    """x is 2 x n, y is 1 x n.  Returns the weights and the last loss."""
    n = x.shape[1]
    m1, m2, m3 = np.zeros_like(w1), np.zeros_like(w2), np.zeros_like(w3)
    loss = float("nan")
    for _ in range(epochs):
        pred_y, a0, a1, a2 = forwarding_pass(x, w1, w2, w3)
        loss = loss_bce(pred_y, y)
        d1, d2, d3 = backpropagation(pred_y, y, w3, a2, w2, a1, a0)
        m1 = mu * m1 - lr * (d1 / n)
        m2 = mu * m2 - lr * (d2 / n)
        m3 = mu * m3 - lr * (d3 / n)
        w1 = w1 + m1
        w2 = w2 + m2
        w3 = w3 + m3
    return w1, w2, w3, loss


def accuracy(pred_y, y):
    return 100.0 * float(np.mean((pred_y > 0.5) == (y > 0.5)))


# ---------------------------------------------------------- BLAS report

def loaded_blas():
    """The BLAS this process actually uses: threadpoolctl's account when it
    is installed (library, version, threads), else the BLAS and LAPACK
    shared objects mapped into the process (numpy.show_config only names
    "blas", which Debian resolves through the libblas.so.3 alternative)."""
    try:
        import threadpoolctl
        info = [f"{d.get('internal_api')} {d.get('version')} "
                f"threads={d.get('num_threads')} {d.get('filepath')}"
                for d in threadpoolctl.threadpool_info()
                if d.get("user_api") == "blas"]
        if info:
            return "; ".join(info)
    except ImportError:
        pass
    libs = set()
    try:
        with open("/proc/self/maps", encoding="ascii", errors="replace") as f:
            for line in f:
                path = line.split()[-1]
                base = os.path.basename(path)
                if "blas" in base or "lapack" in base or "mkl" in base:
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    return ",".join(sorted(libs)) or "unknown"


# ---------------------------------------------------- files for seed_fann

def write_fann_data(path, x_rows, y_rows):
    """FANN's training-file format; %.17g round-trips every double."""
    with open(path, "w", encoding="ascii") as f:
        f.write(f"{x_rows.shape[0]} {x_rows.shape[1]} {y_rows.shape[1]}\n")
        for xi, yi in zip(x_rows, y_rows):
            f.write(" ".join(f"{v:.17g}" for v in xi) + "\n")
            f.write(" ".join(f"{v:.17g}" for v in yi) + "\n")


def write_weights(path, weights):
    """Shapes on the first line, then every w[out][in] row-major."""
    with open(path, "w", encoding="ascii") as f:
        f.write(" ".join(f"{w.shape[0]}x{w.shape[1]}" for w in weights) + "\n")
        for w in weights:
            for v in w.ravel():
                f.write(f"{v:.17g}\n")


# ------------------------------------------------------------------- main

def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", choices=["linear", "xor"], default="linear")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epochs", type=int, default=5000)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--export-fann", metavar="FILE",
                   help="write the data set in FANN's format and exit")
    p.add_argument("--export-weights", metavar="FILE",
                   help="write the initial weights and exit")
    args = p.parse_args(argv)
    if args.epochs < 0:
        p.error("--epochs must be >= 0")

    inputs, labels = load_data(args.data, args.seed)
    w1, w2, w3 = init_weights(args.seed)
    if args.export_fann or args.export_weights:
        if args.export_fann:
            write_fann_data(args.export_fann, inputs, labels)
        if args.export_weights:
            write_weights(args.export_weights, (w1, w2, w3))
        return 0

    x = np.ascontiguousarray(inputs.T)   # 2 x n, feature-major
    y = np.ascontiguousarray(labels.T)   # 1 x n

    t0 = time.perf_counter()
    w1, w2, w3, loss = train(x, y, w1, w2, w3, args.epochs, args.lr)
    t1 = time.perf_counter()

    pred_y = forwarding_pass(x, w1, w2, w3)[0]
    print(f"train_seconds {t1 - t0:.6f}")
    print(f"final_loss {loss:.17g}")
    print(f"accuracy {accuracy(pred_y, y):.4f}")
    print("loss_name bce-eps1e-4-mean")
    print(f"numpy {np.__version__}")
    print(f"blas {loaded_blas()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
