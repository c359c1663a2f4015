"""Shared by the dashboard's browser test and bench: start flnd and
fln_dashboard from runfiles (or bazel-bin), make a synthetic 28x28 dataset,
submit jobs with the fln CLI, and open headless Chromium
(../shared/docs/fuzzing-and-browser.md). Run with Debian's /usr/bin/python3,
which has python3-selenium."""

import json
import os
import random
import re
import signal
import subprocess
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service


def find_binary(relative):
    """The binary at `relative` (e.g. "server/flnd") under $FLN_BIN_DIR, in the
    test's runfiles, else under bazel-bin of the current directory."""
    if os.environ.get("FLN_BIN_DIR"):
        return os.path.join(os.environ["FLN_BIN_DIR"], relative)
    roots = [os.environ.get("TEST_SRCDIR", ""), os.environ.get("RUNFILES_DIR", "")]
    for root in roots:
        if root:
            path = os.path.join(root, "fln", relative)
            if os.access(path, os.X_OK):
                return path
    path = os.path.join("bazel-bin", relative)
    if os.access(path, os.X_OK):
        return os.path.abspath(path)
    raise RuntimeError("cannot find %s in runfiles or bazel-bin" % relative)


class Process:
    """A child process whose first stdout line matching `pattern` gives its
    address; stopped with SIGTERM (then SIGKILL) by stop()."""

    def __init__(self, argv, pattern, log_path, timeout=30):
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.time() + timeout
        self.address = None
        while time.time() < deadline:
            line = self.proc.stdout.readline().decode()
            if not line:
                break
            m = re.search(pattern, line)
            if m:
                self.address = m.group(1)
                break
        if self.address is None:
            self.stop()
            raise RuntimeError("%s did not print its address; see %s" % (argv[0], log_path))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


def start_flnd(work, *flags, binary="server/flnd"):
    """flnd, or with binary="server/testing/flnd_for_testing" the test build
    that can hold a job after an epoch (--pause_after_epoch)."""
    return Process([find_binary(binary), "--listen=127.0.0.1:0",
                    "--data_dir=" + os.path.join(work, "data")] + list(flags),
                   r"flnd listening on (\S+)", os.path.join(work, "flnd.log"))


def start_dashboard(work, flnd_address, listen="127.0.0.1:0"):
    return Process([find_binary("dashboard/fln_dashboard"), "--flnd=" + flnd_address,
                    "--listen=" + listen],
                   r"fln_dashboard listening on (http://\S+)", os.path.join(work, "dashboard.log"))


class Fln:
    """The fln CLI against one server, --json output parsed."""

    def __init__(self, address):
        self.binary = find_binary("client/fln")
        self.address = address

    def run(self, *args):
        out = subprocess.run([self.binary, "--server=" + self.address, "--timeout=60s", "--json"]
                             + list(args), check=True, capture_output=True, text=True).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def submit(self, work, name, train, test, hidden, schedule):
        """Submits an MLP 784-hidden-10 with the text-proto `schedule`; returns its id."""
        model = os.path.join(work, name + ".model.textproto")
        with open(model, "w") as f:
            f.write("input_size: 784\nlayers { dense { units: %d } }\nlayers { dense { units: 10 } }\n"
                    % hidden)
        sched = os.path.join(work, name + ".schedule.textproto")
        with open(sched, "w") as f:
            f.write(schedule)
        return self.run("submit", "--train=" + train, "--test=" + test, "--name=" + name,
                        "--model=" + model, "--schedule=" + sched)[0]["id"]

    def job(self, job_id):
        return self.run("job", "get", job_id)[0]


def write_synthetic_csv(path, rows, seed):
    """Ten classes of 28x28 images in 0..255: class k is a bright 8x8 square
    at one of ten places on a dim noisy background. `label,p0,...,p783`."""
    rng = random.Random(seed)
    with open(path, "w") as f:
        for i in range(rows):
            k = i % 10
            r0, c0 = 3 + 7 * (k // 4), 3 + 7 * (k % 4)
            pixels = []
            for r in range(28):
                for c in range(28):
                    v = rng.random() * 40
                    if r0 <= r < r0 + 8 and c0 <= c < c0 + 8:
                        v += 200
                    pixels.append("%d" % v)
            f.write("%d,%s\n" % (k, ",".join(pixels)))


def upload_synthetic(fln, work, train_rows=600, test_rows=100):
    train_csv = os.path.join(work, "train.csv")
    test_csv = os.path.join(work, "test.csv")
    write_synthetic_csv(train_csv, train_rows, 1)
    write_synthetic_csv(test_csv, test_rows, 2)
    train = fln.run("dataset", "upload", "--name=synthetic-train", "--csv=" + train_csv)[0]["id"]
    test = fln.run("dataset", "upload", "--name=synthetic-test", "--csv=" + test_csv)[0]["id"]
    return train, test


def chromium(work):
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--user-data-dir=" + os.path.join(work, "chromium")]:
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver",
                                            log_path=os.path.join(work, "chromedriver.log")),
                            options=options)


def wait_for(what, predicate, timeout=30, interval=0.1):
    """Polls predicate() until it returns a true value, which is returned."""
    deadline = time.time() + timeout
    last_error = None
    while time.time() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # a page still loading
            last_error = e
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s (last error: %s)"
                         % (timeout, what, last_error))
