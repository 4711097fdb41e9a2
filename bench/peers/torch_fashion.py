#!/usr/bin/python3
"""torch_fashion.py - benchmark D's peer (the issue's B): Fashion-MNIST MLP in PyTorch.

The network and the training of `backprop train --data fashion-mnist
--hidden 256,128 --activation relu --init he --optimizer momentum
--momentum 0.9 --lr 0.05 --batch 128 --no-standardize`, written as a PyTorch
user would write it:

- data: the four IDX files of Debian's dataset-fashion-mnist read with gzip
  and numpy, pixels / 255 as float32 in [0, 1], turned into tensors once
  (60 000 x 784 training images, 10 000 test images);
- model: nn.Sequential(Linear(784, 256), ReLU, Linear(256, 128), ReLU,
  Linear(128, 10)), float32; every weight Kaiming/He normal
  (nn.init.kaiming_normal_, fan_in, std sqrt(2 / fan_in), as backprop's
  --init he does for all three layers), every bias zero;
- loss: nn.CrossEntropyLoss (log-softmax + negative log-likelihood, mean
  over the batch), i.e. a softmax output with cross-entropy;
- optimizer: torch.optim.SGD(lr, momentum=0.9) (v = mu v + g, w -= lr v,
  the same as backprop's V = mu V - lr g, W += V for a constant lr);
- batches: a plain loop over index batches of a torch.randperm permutation
  drawn afresh every epoch (torch.Generator seeded with --seed); the last,
  partial batch (60 000 = 468 x 128 + 96) is trained too, as backprop does.
  No DataLoader: the data is already one tensor in memory.

torch.set_num_threads(--threads) sets the intra-op threads; the interop
pool is left alone (nothing runs concurrently here).

Output, one "key value" per line:
  train_seconds   time.perf_counter() around the epoch loop only (no data
                  loading, no test evaluation)
  epoch_seconds   each epoch's time, space-separated
  train_cpu_seconds  time.process_time() over the same loop (all threads)
  load_seconds    reading the gz files into tensors
  final_loss      mean training loss of the last epoch (over its batches)
  test_accuracy   percent of the 10 000 test images classified right
  torch, threads, blas
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np
import torch
from torch import nn

sys.dont_write_bytecode = True

DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path, kind):
    """The images (n x rows*cols uint8) or labels (n uint8) of an IDX file."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    n = int.from_bytes(raw[4:8], "big")
    if kind == "images":
        if magic != 0x00000803:
            raise SystemExit(f"{path}: not an IDX image file")
        rows = int.from_bytes(raw[8:12], "big")
        cols = int.from_bytes(raw[12:16], "big")
        return np.frombuffer(raw, np.uint8, n * rows * cols, 16).reshape(n, rows * cols)
    if magic != 0x00000801:
        raise SystemExit(f"{path}: not an IDX label file")
    return np.frombuffer(raw, np.uint8, n, 8)


def load(prefix):
    x = read_idx(os.path.join(DIR, prefix + "-images-idx3-ubyte.gz"), "images")
    y = read_idx(os.path.join(DIR, prefix + "-labels-idx1-ubyte.gz"), "labels")
    x = torch.from_numpy(x.astype(np.float32) / np.float32(255))
    y = torch.from_numpy(y.astype(np.int64))
    return x, y


def build_model():
    model = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(),
        nn.Linear(256, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return model


def loaded_blas():
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower()}
        return " ".join(sorted(os.path.realpath(p) for p in libs if p.startswith("/"))) or "none mapped"
    except OSError:
        return "unknown"


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    if args.epochs < 0 or args.threads < 1 or args.batch < 1:
        p.error("--epochs >= 0, --threads >= 1, --batch >= 1")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t_load = time.perf_counter()
    x_train, y_train = load("train")
    x_test, y_test = load("t10k")
    load_seconds = time.perf_counter() - t_load

    model = build_model()
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    gen = torch.Generator().manual_seed(args.seed)
    n = x_train.shape[0]

    epoch_seconds = []
    final_loss = float("nan")
    model.train()
    c0 = time.process_time()
    t0 = time.perf_counter()
    for _ in range(args.epochs):
        te = time.perf_counter()
        order = torch.randperm(n, generator=gen)
        total = 0.0
        for start in range(0, n, args.batch):
            idx = order[start:start + args.batch]
            xb, yb = x_train[idx], y_train[idx]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        final_loss = total / n
        epoch_seconds.append(time.perf_counter() - te)
    t1 = time.perf_counter()
    c1 = time.process_time()

    model.eval()
    with torch.no_grad():
        pred = model(x_test).argmax(dim=1)
    acc = 100.0 * (pred == y_test).double().mean().item()

    print(f"train_seconds {t1 - t0:.6f}")
    print("epoch_seconds " + " ".join(f"{s:.6f}" for s in epoch_seconds))
    print(f"train_cpu_seconds {c1 - c0:.6f}")
    print(f"load_seconds {load_seconds:.6f}")
    print(f"final_loss {final_loss:.9g}")
    print(f"test_accuracy {acc:.2f}")
    print(f"torch {torch.__version__}")
    print(f"threads {torch.get_num_threads()}")
    print(f"blas {loaded_blas()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
