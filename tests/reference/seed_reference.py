#!/usr/bin/python3
"""seed_reference.py - an independent numpy model of the seed report's trainer.

The seed (lab1-backprop-report.md) trains a 2-h1-h2-1 fully connected network
without biases: hidden activations act(), output sigmoid, cross-entropy with
eps = 1e-4, full-batch gradient descent with momentum
    m = mu*m - lr*(dW/n);  W = W + m
for a fixed number of epochs.  This script restates that method from the
report's formulas so that the C program `backprop train --preset seed
--init numpy` can be checked against it digit for digit
(tests/cli/reference_agreement.sh).

Conventions (the C program implements the same ones):
  * weights: rng = np.random.RandomState(seed); one rng.randn(out, in) per
    layer, in order (w1 = randn(h1, 2), w2 = randn(h2, h1), w3 = randn(1, h2));
  * linear data: RandomState(data_seed).uniform(0, 1, (n, 2)), label 0 if
    x > y else 1; data_seed defaults to 1 whatever --seed is;
  * xor data: for i in 0..10: (0.1i, 0.1i) -> 0, then unless 0.1i == 0.5,
    (0.1i, 1 - 0.1i) -> 1; 21 points in that order;
  * X is 2 x n (features x samples), y is 1 x n;
  * activation derivatives are taken from the activation OUTPUT, as the seed
    does: sigmoid a(1-a), tanh 1-a^2, relu [a > 0], none 1;
  * epoch e (1-based) = forward, loss, backward, update; the loss printed for
    epoch e is the one of its forward pass, before its update.

Run with Debian's interpreter, which has python3-numpy:
    /usr/bin/python3 tests/reference/seed_reference.py --data xor --seed 1
"""

import argparse
import json
import sys

import numpy as np

EPS = 1e-4


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# Each activation: (function of z, derivative as a function of the output a).
ACTIVATIONS = {
    "sigmoid": (sigmoid, lambda a: a * (1.0 - a)),
    "tanh": (np.tanh, lambda a: 1.0 - a * a),
    "relu": (lambda z: np.maximum(0.0, z), lambda a: (a > 0.0).astype(np.float64)),
    "none": (lambda z: z, lambda a: np.ones_like(a)),
}


def make_linear(n, data_seed):
    pts = np.random.RandomState(data_seed).uniform(0, 1, (n, 2))
    labels = [0.0 if p[0] > p[1] else 1.0 for p in pts]
    return pts.T.copy(), np.array(labels, dtype=np.float64).reshape(1, n)


def make_xor():
    xs, ys = [], []
    for i in range(11):
        t = 0.1 * i
        xs.append((t, t))
        ys.append(0.0)
        if t == 0.5:
            continue
        xs.append((t, 1.0 - t))
        ys.append(1.0)
    x = np.array(xs, dtype=np.float64).T.copy()
    return x, np.array(ys, dtype=np.float64).reshape(1, len(ys))


def init_weights(seed, sizes):
    """One randn(out, in) per layer from a single RandomState(seed)."""
    rng = np.random.RandomState(seed)
    return [rng.randn(sizes[k + 1], sizes[k]) for k in range(len(sizes) - 1)]


def forward(weights, x, act):
    """Activations [a0 = x, a1, ..., aL]; hidden layers act(), output sigmoid."""
    outs = [x]
    last = len(weights) - 1
    for k, w in enumerate(weights):
        z = w @ outs[-1]
        outs.append(sigmoid(z) if k == last else act(z))
    return outs


def loss_of(p, y):
    return float(np.mean(-(y * np.log(p + EPS) + (1.0 - y) * np.log(1.0 - p + EPS))))


def backward(weights, outs, y, dact):
    """Gradients dJ/dW_k (summed over samples), the seed's chain rule."""
    p = outs[-1]
    dj_da = -(y / (p + EPS) - (1.0 - y) / (1.0 - p + EPS))
    dj_dz = (p * (1.0 - p)) * dj_da              # output layer: sigmoid
    grads = [None] * len(weights)
    for k in range(len(weights) - 1, -1, -1):
        grads[k] = dj_dz @ outs[k].T
        if k > 0:
            dj_da = weights[k].T @ dj_dz
            dj_dz = dact(outs[k]) * dj_da
    return grads


def train(args):
    if args.data == "linear":
        x, y = make_linear(args.n, args.data_seed)
    else:
        x, y = make_xor()
    n = x.shape[1]
    sizes = [2] + args.hidden + [1]
    weights = init_weights(args.seed, sizes)
    velocity = [np.zeros_like(w) for w in weights]
    act, dact = ACTIVATIONS[args.activation]

    losses = []
    for epoch in range(1, args.epochs + 1):
        outs = forward(weights, x, act)
        loss = loss_of(outs[-1], y)
        grads = backward(weights, outs, y, dact)
        for k in range(len(weights)):
            if args.optimizer == "momentum":
                velocity[k] = args.momentum * velocity[k] - args.lr * (grads[k] / n)
                weights[k] = weights[k] + velocity[k]
            else:
                weights[k] = weights[k] - args.lr * (grads[k] / n)
        if args.log_every > 0 and epoch % args.log_every == 0:
            losses.append((epoch, loss))

    pred = forward(weights, x, act)[-1]
    correct = int(np.sum((pred > 0.5) == (y > 0.5)))
    accuracy = correct / n * 100
    return losses, pred, accuracy


def parse_hidden(text):
    try:
        sizes = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("--hidden wants sizes like 10,10")
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError("--hidden sizes must be >= 1")
    return sizes


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", choices=["linear", "xor"], required=True)
    ap.add_argument("--seed", type=int, required=True, help="weight seed")
    ap.add_argument("--data-seed", type=int, default=1,
                    help="seed of the linear points (default 1, not --seed)")
    ap.add_argument("--n", type=int, default=100, help="linear points")
    ap.add_argument("--epochs", type=int, default=5000)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--hidden", type=parse_hidden, default=[10, 10])
    ap.add_argument("--activation", choices=sorted(ACTIVATIONS), default="sigmoid")
    ap.add_argument("--optimizer", choices=["momentum", "sgd"], default="momentum")
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--log-every", type=int, default=100)
    ap.add_argument("--json", action="store_true",
                    help="print one JSON object instead of the seed's text")
    args = ap.parse_args(argv)

    losses, pred, accuracy = train(args)
    if args.json:
        json.dump({"losses": [[e, l] for e, l in losses],
                   "predictions": [float(v) for v in pred.ravel()],
                   "accuracy": accuracy}, sys.stdout)
        sys.stdout.write("\n")
        return 0
    print("Training ...")
    for epoch, loss in losses:
        print(f"epoch {epoch} loss : {loss}")
    print("Testing ...")
    print(pred)
    print(f"accuracy : {accuracy} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
