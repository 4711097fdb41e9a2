#!/usr/bin/python3
"""seed_torch.py - the seed report's network written as a PyTorch user would.

nn.Sequential of nn.Linear(bias=False) and nn.Sigmoid layers, CPU, float64,
one intra-op thread, full batch, loss.backward(), torch.optim.SGD with
momentum 0.9.  The data and the initial weights are the numpy ones from
seed_numpy.py (RandomState(seed)), copied into the layers, so that the
accuracy and the loss can be compared with the numpy peer and with backprop.

The loss is the report's cross-entropy written out, eps = 1e-4 inside the
logs, mean over the samples.  Its gradient is the report's dJ/da3 divided by
n, which is exactly the report's "gradients summed, then / n in the update".
(nn.BCELoss would differ slightly: it has no eps and clamps log at -100.)

Momentum: torch's SGD keeps v = mu v + g and steps w -= lr v.  With a
constant lr and V = -lr v this is the report's V = mu V - lr g; W += V,
including the first step (torch starts v at g, the report's V starts at 0).
dampening=0 and nesterov=False are torch's defaults and are the report's.

Output lines as seed_numpy.py: train_seconds (time.perf_counter around the
training loop only), final_loss (loss of the last epoch's forward pass),
accuracy (percent with (output > 0.5) == label).
"""
import argparse
import os
import sys
import time

import torch
from torch import nn

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seed_numpy  # noqa: E402  (data and initial weights)

EPS = 1e-4


def build_model(weights):
    w1, w2, w3 = weights
    model = nn.Sequential(
        nn.Linear(w1.shape[1], w1.shape[0], bias=False), nn.Sigmoid(),
        nn.Linear(w2.shape[1], w2.shape[0], bias=False), nn.Sigmoid(),
        nn.Linear(w3.shape[1], w3.shape[0], bias=False), nn.Sigmoid(),
    ).double()
    with torch.no_grad():
        # nn.Linear keeps weight as [out][in], the report's layout
        for layer, w in zip(model[0::2], weights):
            layer.weight.copy_(torch.from_numpy(w))
    return model


def bce_eps(pred, y):
    return -(y * torch.log(pred + EPS)
             + (1 - y) * torch.log(1 - pred + EPS)).mean()


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", choices=["linear", "xor"], default="linear")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epochs", type=int, default=5000)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    if args.epochs < 0:
        p.error("--epochs must be >= 0")

    torch.set_num_threads(args.threads)
    inputs, labels = seed_numpy.load_data(args.data, args.seed)
    x = torch.from_numpy(inputs)   # n x 2, batch-major as torch users do
    y = torch.from_numpy(labels)   # n x 1
    model = build_model(seed_numpy.init_weights(args.seed))
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9,
                          dampening=0, nesterov=False)

    loss_value = float("nan")
    t0 = time.perf_counter()
    for _ in range(args.epochs):
        opt.zero_grad()
        loss = bce_eps(model(x), y)
        loss.backward()
        opt.step()
        loss_value = loss.item()   # the report logs the loss every epoch
    t1 = time.perf_counter()

    with torch.no_grad():
        pred = model(x)
    acc = 100.0 * ((pred > 0.5) == (y > 0.5)).double().mean().item()
    print(f"train_seconds {t1 - t0:.6f}")
    print(f"final_loss {loss_value:.17g}")
    print(f"accuracy {acc:.4f}")
    print("loss_name bce-eps1e-4-mean")
    print(f"torch {torch.__version__} threads {torch.get_num_threads()}")
    print(f"blas {seed_numpy.loaded_blas()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
