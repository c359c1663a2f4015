#!/usr/bin/python3
"""PyTorch's side of fln's benchmarks: the same models, data and schedule.

Trains MLP 784-300-10 or LeNet-5 (the layers of fln's `lenet5` shorthand:
conv 6@5x5 SAME, 2x2 average pooling, conv 16@5x5 VALID, pooling, dense
120, 84, 10, ReLU) on Debian's Fashion-MNIST with Adam (lr 1e-3, batch 128),
pixels scaled to [0, 1] as fln's UNIT_RANGE does. Prints one JSON object per
epoch and a summary: seconds of training per epoch (shuffle, batch, forward,
backward, step; evaluation is timed apart), test accuracy, and the training
seconds until the test accuracy first reached --target and until the
evaluation from which every later one in the run reached it.

Run it with Debian's interpreter and the OpenMP OpenBLAS loaded first
(bench/compare_pytorch.sh does): ../shared/docs/perf-notes.md explains why.

  /usr/bin/python3 bench/pytorch_bench.py --model=lenet5 --epochs=5 --threads=2
"""
import argparse
import ctypes
import gzip
import json
import os
import struct
import sys
import time

OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3"


def load_openblas():
    """Loads the OpenMP OpenBLAS before torch, so torch's BLAS calls use it."""
    if os.path.exists(OPENBLAS):
        ctypes.CDLL(OPENBLAS, mode=ctypes.RTLD_GLOBAL)


def mapped_blas():
    """The BLAS libraries this process actually mapped (from /proc/self/maps)."""
    found = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "blas" in os.path.basename(path):
                found.add(path)
    return sorted(found)


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return data[4 + 4 * dims:], shape


def find(directory, stems):
    for stem in stems:
        for suffix in ("", ".gz"):
            path = os.path.join(directory, stem + suffix)
            if os.path.exists(path):
                return path
    raise FileNotFoundError(f"none of {stems} in {directory}")


def load_split(torch, directory, split):
    prefix = "train" if split == "train" else "t10k"
    images, shape = read_idx(find(directory, [f"{prefix}-images-idx3-ubyte",
                                              f"{prefix}-images.idx3-ubyte"]))
    labels, _ = read_idx(find(directory, [f"{prefix}-labels-idx1-ubyte",
                                          f"{prefix}-labels.idx1-ubyte"]))
    x = torch.frombuffer(bytearray(images), dtype=torch.uint8).float().div_(255.0)
    y = torch.frombuffer(bytearray(labels), dtype=torch.uint8).long()
    return x.view(shape[0], 1, shape[1], shape[2]), y


def make_model(torch, name):
    nn = torch.nn
    if name == "lenet5":
        return nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, 10))
    if name.startswith("mlp:"):
        widths = [784] + [int(w) for w in name[4:].split(",")] + [10]
        layers = [nn.Flatten()]
        for i in range(len(widths) - 1):
            layers.append(nn.Linear(widths[i], widths[i + 1]))
            if i + 2 < len(widths):
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)
    raise ValueError(f"unknown model {name}; expected lenet5 or mlp:W1[,W2...]")


def evaluate(torch, model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, x.shape[0], 1000):
            logits = model(x[start:start + 1000])
            correct += (logits.argmax(1) == y[start:start + 1000]).sum().item()
    model.train()
    return correct / x.shape[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="mlp:300")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch_size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--target", type=float, default=0.88,
                        help="test accuracy whose first crossing is timed")
    parser.add_argument("--evals_per_epoch", type=int, default=1,
                        help="test evaluations per epoch (evenly spaced batches)")
    parser.add_argument("--data_dir", default="/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()

    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    load_openblas()
    import torch  # after the BLAS, on purpose
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    x_train, y_train = load_split(torch, args.data_dir, "train")
    x_test, y_test = load_split(torch, args.data_dir, "test")
    model = make_model(torch, args.model)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = x_train.shape[0]
    batches = (n + args.batch_size - 1) // args.batch_size
    eval_every = max(1, batches // max(1, args.evals_per_epoch))

    trained = 0.0  # seconds of training only
    time_to_target = None
    time_to_stay = None  # from this evaluation on, every later one reaches the target
    epoch_seconds = []
    for epoch in range(1, args.epochs + 1):
        epoch_start_trained = trained
        tic = time.perf_counter()
        order = torch.randperm(n)
        for b in range(batches):
            idx = order[b * args.batch_size:(b + 1) * args.batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            optimizer.step()
            last = b + 1 == batches
            # evals_per_epoch evaluations, the last one at the epoch's end
            # (as fln_bench --evals_per_epoch).
            mid_epoch = ((b + 1) % eval_every == 0
                         and (b + 1) // eval_every < args.evals_per_epoch)
            if mid_epoch or last:
                trained += time.perf_counter() - tic
                accuracy = evaluate(torch, model, x_test, y_test)
                if accuracy < args.target:
                    time_to_stay = None
                else:
                    if time_to_target is None:
                        time_to_target = trained
                    if time_to_stay is None:
                        time_to_stay = trained
                tic = time.perf_counter()
        epoch_seconds.append(trained - epoch_start_trained)
        print(json.dumps({"epoch": epoch, "seconds": round(epoch_seconds[-1], 3),
                          "train_loss_last_batch": round(loss.item(), 5),
                          "test_accuracy": round(accuracy, 4)}), flush=True)
    epoch_seconds.sort()
    print(json.dumps({
        "summary": True, "framework": f"pytorch {torch.__version__}", "model": args.model,
        "optimizer": "adam", "lr": args.lr, "batch_size": args.batch_size,
        "threads": args.threads, "epochs": args.epochs,
        "median_seconds_per_epoch": round(epoch_seconds[len(epoch_seconds) // 2], 3),
        "final_test_accuracy": round(accuracy, 4), "target": args.target,
        "evals_per_epoch": args.evals_per_epoch,
        "seconds_to_target": None if time_to_target is None else round(time_to_target, 2),
        "seconds_to_stay_at_target": None if time_to_stay is None else round(time_to_stay, 2),
        "blas": mapped_blas()}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
