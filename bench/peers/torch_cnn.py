#!/usr/bin/python3
"""torch_cnn.py - the CNN benchmark's peer (issue #17, "Targets"): the anchor CNN on Fashion-MNIST in PyTorch.

The network and training of `backprop train --data fashion-mnist --layers
conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2,dense:128,relu --init xavier
--optimizer adam --lr 0.001 --batch 128 --dtype f32`, as a PyTorch user writes it:

- data: Debian's dataset-fashion-mnist, the four IDX .gz files read with gzip
  and numpy, pixels / 255 as float32 in [0, 1], held once as NCHW tensors
  (60 000 x 1 x 28 x 28 training images, 10 000 test images);
- model, float32, NCHW:
    Conv2d(1, 32, 3, padding=1)  ReLU  MaxPool2d(2)      28x28 -> 14x14
    Conv2d(32, 64, 3, padding=1) ReLU  MaxPool2d(2)      14x14 -> 7x7
    Flatten  Linear(3136, 128)  ReLU  Linear(128, 10)
  every weight Xavier/Glorot normal, std sqrt(2 / (fan_in + fan_out)) with
  fan_in = in_channels k k and fan_out = out_channels k k for a convolution
  (in and out features for a dense layer): nn.init.xavier_normal_ computes
  exactly these fans; every bias zero;
- loss: nn.CrossEntropyLoss (softmax + cross-entropy, mean over the batch);
- optimizer: torch.optim.Adam(lr), betas (0.9, 0.999), eps 1e-8;
- batches: a plain loop over index batches of a torch.randperm permutation
  drawn afresh every epoch (torch.Generator seeded with --seed); the last,
  partial batch (60 000 = 468 x 128 + 96) is trained too. No DataLoader.
- test: model.eval() under torch.no_grad(), in chunks of --eval-batch images
  (default: the training batch). Measured here with 0 epochs: chunks of 128
  take 2.4 s and peak at 511 MiB, of 1000 3.9 s and 681 MiB, the whole test
  set at once (a 10 000 x 32 x 28 x 28 float activation, 1 GB) 7.0 s and
  2363 MiB; the smallest is the fairest to PyTorch on both counts.

torch.set_num_threads(--threads) sets the intra-op threads. Debian's torch
may do matrix products in OpenBLAS, whose pool does not follow
set_num_threads: the caller pins it with OPENBLAS_NUM_THREADS (bench/cnn/run.sh
does).

Output, one "key value" per line:
  train_seconds      time.perf_counter() around the epoch loop only
  epoch_seconds      each epoch's seconds, space-separated
  train_cpu_seconds  time.process_time() over the same loop (all threads)
  load_seconds       reading the gz files into tensors
  eval_seconds       the test set's forward pass and the accuracy
  total_seconds      from the start of main() (after `import torch`) to the end
  final_loss         mean training loss of the last epoch (over its samples)
  test_accuracy      percent of the 10 000 test images classified right
  peak_rss_mib       resource.getrusage(RUSAGE_SELF).ru_maxrss / 1024
  torch, threads, mkldnn (torch.backends.mkldnn.is_available()), blas
"""
import argparse
import gzip
import os
import resource
import sys
import time

import numpy as np
import torch
from torch import nn

sys.dont_write_bytecode = True

DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path, want):
    """An IDX file's images (n x 1 x rows x cols uint8) or labels (n uint8)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    count = int.from_bytes(raw[4:8], "big")
    if want == "images":
        if magic != 0x803:
            raise SystemExit(f"{path}: not an IDX image file (magic {magic:#x})")
        rows = int.from_bytes(raw[8:12], "big")
        cols = int.from_bytes(raw[12:16], "big")
        return np.frombuffer(raw, np.uint8, count * rows * cols, 16).reshape(count, 1, rows, cols)
    if magic != 0x801:
        raise SystemExit(f"{path}: not an IDX label file (magic {magic:#x})")
    return np.frombuffer(raw, np.uint8, count, 8)


def load_split(prefix):
    images = read_idx(os.path.join(DIR, prefix + "-images-idx3-ubyte.gz"), "images")
    labels = read_idx(os.path.join(DIR, prefix + "-labels-idx1-ubyte.gz"), "labels")
    x = torch.from_numpy(images.astype(np.float32) / np.float32(255))
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def anchor_cnn(height, width, classes):
    flat = 64 * (height // 4) * (width // 4)
    net = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(flat, 128), nn.ReLU(),
        nn.Linear(128, classes),
    )
    for layer in net:
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_normal_(layer.weight)
            nn.init.zeros_(layer.bias)
    return net


def mapped_blas():
    """The BLAS libraries in this process's memory map."""
    try:
        with open("/proc/self/maps") as f:
            found = {line.split()[-1] for line in f if "blas" in line.lower()}
    except OSError:
        return "unknown"
    return " ".join(sorted(os.path.realpath(p) for p in found if p.startswith("/"))) or "none mapped"


def main(argv):
    t_start = time.perf_counter()
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--eval-batch", type=int, default=0, help="test images per forward pass (0: --batch)")
    args = p.parse_args(argv)
    if args.epochs < 0 or args.threads < 1 or args.batch < 1 or args.eval_batch < 0 or not args.lr > 0:
        p.error("need --epochs >= 0, --threads >= 1, --batch >= 1, --eval-batch >= 0, --lr > 0")
    if args.eval_batch == 0:
        args.eval_batch = args.batch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    t_load = time.perf_counter()
    x_train, y_train = load_split("train")
    x_test, y_test = load_split("t10k")
    load_seconds = time.perf_counter() - t_load

    model = anchor_cnn(x_train.shape[2], x_train.shape[3], 10)
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    order_gen = torch.Generator().manual_seed(args.seed)
    n = x_train.shape[0]

    epoch_seconds = []
    final_loss = float("nan")
    model.train()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    for _ in range(args.epochs):
        te = time.perf_counter()
        order = torch.randperm(n, generator=order_gen)
        loss_sum = 0.0
        for first in range(0, n, args.batch):
            idx = order[first:first + args.batch]
            xb, yb = x_train[idx], y_train[idx]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
        final_loss = loss_sum / n
        epoch_seconds.append(time.perf_counter() - te)
    train_seconds = time.perf_counter() - t0
    train_cpu = time.process_time() - cpu0

    t_eval = time.perf_counter()
    model.eval()
    right = 0
    with torch.no_grad():
        for first in range(0, x_test.shape[0], args.eval_batch):
            guess = model(x_test[first:first + args.eval_batch]).argmax(dim=1)
            right += int((guess == y_test[first:first + args.eval_batch]).sum())
    accuracy = 100.0 * right / x_test.shape[0]
    eval_seconds = time.perf_counter() - t_eval

    # Linux reports ru_maxrss in KiB
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"train_seconds {train_seconds:.6f}")
    print("epoch_seconds " + " ".join(f"{s:.6f}" for s in epoch_seconds))
    print(f"train_cpu_seconds {train_cpu:.6f}")
    print(f"load_seconds {load_seconds:.6f}")
    print(f"eval_seconds {eval_seconds:.6f}")
    print(f"total_seconds {time.perf_counter() - t_start:.6f}")
    print(f"final_loss {final_loss:.9g}")
    print(f"test_accuracy {accuracy:.2f}")
    print(f"peak_rss_mib {peak_mib:.1f}")
    print(f"torch {torch.__version__}")
    print(f"threads {torch.get_num_threads()}")
    print(f"mkldnn {'yes' if torch.backends.mkldnn.is_available() else 'no'}")
    print(f"blas {mapped_blas()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
