"""Test support shared by the Python client's tests and tests/mpi: a real
flnd process, a synthetic dataset and an independent numpy feed-forward.

Needs FLND (the server binary) in the environment and writes under
$TEST_TMPDIR.
"""

import os
import selectors
import signal
import subprocess
import tempfile
import time

import numpy as np

import fln

FLND = os.environ["FLND"]
TMP = os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp()


class Flnd:
    """One flnd process on 127.0.0.1 (a free port unless `port` is given)."""

    def __init__(self, name, *flags, port=0):
        self.data_dir = os.path.join(TMP, name)
        self.log_path = self.data_dir + ".log"
        self._log = open(self.log_path, "ab")
        # One training thread: a 2-thread OpenMP team on a busy 2-core
        # machine slows ~10x (server/crash_recovery_test.cc).
        self.proc = subprocess.Popen(
            [FLND, f"--listen=127.0.0.1:{port}", f"--data_dir={self.data_dir}",
             "--threads_per_job=1", "--heartbeat_seconds=1", *flags],
            stdout=subprocess.PIPE, stderr=self._log)
        line = self._read_line(timeout=60)
        prefix = "flnd listening on "
        if not line.startswith(prefix):
            self.kill()
            raise AssertionError(f"flnd did not report its address (got {line!r}); "
                                 f"log:\n{self.log()}")
        self.address = line[len(prefix):].strip()
        self.port = int(self.address.rsplit(":", 1)[1])

    def _read_line(self, timeout):
        selector = selectors.DefaultSelector()
        selector.register(self.proc.stdout, selectors.EVENT_READ)
        data = b""
        deadline = time.monotonic() + timeout
        while b"\n" not in data and time.monotonic() < deadline:
            if selector.select(timeout=0.1):
                chunk = os.read(self.proc.stdout.fileno(), 256)
                if not chunk:
                    break
                data += chunk
        return data.decode(errors="replace")

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return "".join(f.readlines()[-40:])

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc.stdout.close()
        self._log.close()


def synthetic(seed, n, features=8, classes=3):
    """Class k raises the features j with j % classes == k (as tests/e2e_test.sh)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    x = rng.random((n, features), dtype=np.float32)
    x[np.arange(features)[None, :] % classes == labels[:, None]] += 2.0
    return x.astype(np.float32), labels.astype(np.int64)


def numpy_forward(weights, x):
    """Softmax probabilities of an MLP from its fetched weights, in float64.

    Independent of the client's helpers except normalization's parameters:
    UNIT_RANGE divides by the training data's max (proto/model.proto).
    """
    norm = weights.normalization
    assert norm.scaling in (fln.model_pb2.SCALING_UNSPECIFIED, fln.model_pb2.UNIT_RANGE), norm
    h = np.asarray(x, np.float64).T / norm.scale  # features x samples, as the engine
    for i, (w, b) in enumerate(weights.layers):
        h = w.astype(np.float64) @ h + b.astype(np.float64)[:, None]
        if i + 1 < len(weights.layers):
            h = np.maximum(h, 0.0)
    logits = h.T
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
