#!/usr/bin/python3
"""FLN against backprop on Fashion-MNIST, through the Python client.

Imports the server's built-in Fashion-MNIST, trains the MLP 784-300-10
(mlp_300.textproto) once with FLN (fln_fast.textproto) and once with Adam
(backprop_adam.textproto), the same number of epochs each, follows both jobs'
live metrics and plots training loss and test accuracy against epoch and
against training time with matplotlib (Debian: python3-matplotlib).

    bazel build //client/python:fln
    bazel-bin/server/flnd --listen=127.0.0.1:50051 &     # or a running server
    /usr/bin/python3 examples/train_compare.py --server=127.0.0.1:50051 --epochs=3

Writes train_compare.png (--out) and prints one line per epoch.
"""

import argparse
import os
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent

try:
    import fln
except ImportError:
    # Not on PYTHONPATH: use the checkout's package and its built stubs.
    sys.path[:0] = [str(REPO / "bazel-bin" / "client" / "python"), str(REPO / "client" / "python")]
    try:
        import fln
    except ImportError as e:
        sys.exit(f"train_compare: cannot import fln ({e}); run `bazel build //client/python:fln` "
                 "and use /usr/bin/python3 (Debian's python3-grpcio and python3-numpy)")

RUNS = [  # label, schedule file
    ("FLN", "fln_fast.textproto"),
    ("backprop (Adam)", "backprop_adam.textproto"),
]


def follow(client, job, label):
    """Epoch metrics of `job` as it trains: list of MetricRecord."""
    epochs = []

    def on_event(event):
        if event.HasField("metrics") and event.metrics.end_of_epoch:
            m = event.metrics
            epochs.append(m)
            print(f"{label:16s} epoch {m.epoch:3d}  {m.elapsed_seconds:7.1f} s  "
                  f"train loss {m.train_loss:.4f}  test accuracy {100 * m.test_accuracy:.2f}%",
                  flush=True)
        elif event.HasField("state"):
            print(f"{label:16s} {fln.state_name(event.state.state)} {event.state.message}",
                  flush=True)

    final = client.wait(job, on_event=on_event)
    if final.state != fln.SUCCEEDED:
        raise SystemExit(f"train_compare: {label} job {final.id} ended "
                         f"{fln.state_name(final.state)}: {final.error_message}")
    return epochs


def plot(curves, path):
    import matplotlib
    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for label, records in curves.items():
        epoch = [m.epoch for m in records]
        seconds = [m.elapsed_seconds for m in records]
        loss = [m.train_loss for m in records]
        accuracy = [100 * m.test_accuracy for m in records]
        axes[0][0].plot(epoch, loss, "o-", label=label)
        axes[0][1].plot(seconds, loss, "o-", label=label)
        axes[1][0].plot(epoch, accuracy, "o-", label=label)
        axes[1][1].plot(seconds, accuracy, "o-", label=label)
    for row, ylabel in enumerate(["training loss (feed-forward CE)", "test accuracy (%)"]):
        for col, xlabel in enumerate(["epoch", "training time (s)"]):
            ax = axes[row][col]
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.grid(True, alpha=0.3)
            ax.legend()
    fig.suptitle("Fashion-MNIST, MLP 784-300-10: FLN vs backprop")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="127.0.0.1:50051")
    parser.add_argument("--token", default=os.environ.get("FLN_TOKEN"),
                        help="bearer token (default: $FLN_TOKEN)")
    parser.add_argument("--ca_cert", help="PEM file of the CA: TLS")
    parser.add_argument("--epochs", type=int, default=3, help="epochs of each run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="train_compare.png")
    args = parser.parse_args()

    try:
        import matplotlib  # noqa: F401  (fail before an hour of training, not after)
    except ImportError:
        sys.exit("train_compare: needs matplotlib (apt-get install python3-matplotlib)")

    client = fln.connect(args.server, token=args.token, ca_cert=args.ca_cert)
    client.wait_ready(10)
    train, test = client.import_builtin("fashion-mnist")
    print(f"train {train.id} ({train.num_samples} images), test {test.id} "
          f"({test.num_samples})", flush=True)

    # Submit both first: the server queues the second behind the first.
    jobs = {}
    for label, schedule_file in RUNS:
        schedule = fln.to_message(HERE / schedule_file, fln.model_pb2.Schedule, schedule_file)
        schedule.epochs = args.epochs
        schedule.seed = args.seed
        jobs[label] = client.submit(train, model=HERE / "mlp_300.textproto", schedule=schedule,
                                    test=test, name=f"compare-{schedule_file.split('.')[0]}")
        print(f"{label}: job {jobs[label].id}", flush=True)

    curves = {label: follow(client, job, label) for label, job in jobs.items()}
    for label, job in jobs.items():
        result = client.evaluate(job, test)
        print(f"{label:16s} final test accuracy {100 * result.accuracy:.2f}%, "
              f"loss {result.loss:.4f}")
    plot(curves, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    try:
        main()
    except fln.FlnError as e:
        sys.exit(f"train_compare: {e}")
