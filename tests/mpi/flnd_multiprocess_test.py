"""Multi-process jobs on a real flnd: jobs with processes=2 run as two
fln_worker ranks under a real mpirun (issue 13's service part).

- a 2-process FLN job SUCCEEDS, streams every epoch once, predicts what the
  feed-forward of its weights gives, and its weights are those of the same
  job in one process to FLN's data-parallel tolerance (1e-3, relative to the
  largest weight: tests/mpi/data_parallel_test_main.cc says why);
- kill -9 of one rank fails the job within seconds, with mpirun's account;
- cancel stops both ranks within seconds;
- kill -9 of flnd stops the ranks; the restarted flnd resumes the job from
  its last checkpoint to the same weights as an uninterrupted run;
- bad `processes` values get the right status codes.

Run by flnd_multiprocess_test.sh with Debian's /usr/bin/python3.
"""

import os
import signal
import time
import unittest

import grpc
import numpy as np

import fln
from fln_testing import TMP, Flnd, numpy_forward, synthetic

WORKER = os.environ["FLN_WORKER"]
# While this file exists, jobs hold after their epoch-3 checkpoint (FLND is
# server/testing:flnd_for_testing), so flnd can be killed at a known point.
HOLD = os.path.join(TMP, "hold-after-epoch-3")
# As root on a 2-core machine (../shared/docs/mpi-notes.md).
MPI_FLAGS = ("--mpirun_args=--allow-run-as-root --oversubscribe --bind-to none",
             "--worker_binary=" + WORKER, "--max_processes=4",
             "--pause_after_epoch=3", "--pause_release_file=" + HOLD)
MODEL = """
  input_size: 8
  layers { dense { units: 16 } }
  layers { dense { units: 3 } }
"""
SCHEDULE = {"method": "FLN", "epochs": 3, "batch_size": 50, "seed": 1}
# Long enough to act on while it runs (each epoch is milliseconds of work
# plus a durable checkpoint); it ends by cancel or by a kill.
LONG = dict(SCHEDULE, epochs=100000)
# FLN's data-parallel tolerance (data_parallel_test_main.cc).
FLN_TOLERANCE = 1e-3

SERVER = None
CLIENT = None
DATA = {}


def wait_for(what, predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))


def worker_pids(job_id):
    """fln_worker processes (not mpirun) started for `job_id`."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                args = f.read().split(b"\0")
            with open("/proc/%s/stat" % entry) as f:
                zombie = f.read().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            continue
        if (not zombie and args and os.path.basename(args[0]) == b"fln_worker"
                and ("--job=" + job_id).encode() in args):
            pids.append(int(entry))
    return pids


def epochs_streamed(job_id):
    return [e.metrics.epoch for e in CLIENT.events(job_id)
            if e.HasField("metrics") and e.metrics.end_of_epoch]


def first_epoch_done(job_id):
    return lambda: CLIENT.get_job(job_id).epochs_completed >= 1


def setUpModule():
    global SERVER, CLIENT
    SERVER = Flnd("mp", *MPI_FLAGS)
    CLIENT = fln.connect(SERVER.address, timeout=30)
    CLIENT.wait_ready(30)
    DATA["train_x"], DATA["train_y"] = synthetic(1, 600)
    DATA["test_x"], DATA["test_y"] = synthetic(2, 90)
    DATA["train"] = CLIENT.upload_arrays(DATA["train_x"], DATA["train_y"], name="mp-train")
    DATA["test"] = CLIENT.upload_arrays(DATA["test_x"], DATA["test_y"], name="mp-test")


def tearDownModule():
    if CLIENT is not None:
        CLIENT.close()
    if SERVER is not None:
        SERVER.kill()


def submit(schedule=SCHEDULE, processes=2, client=None):
    return (client or CLIENT).submit(DATA["train"], model=MODEL, schedule=schedule,
                                     test=DATA["test"], processes=processes)


class MultiProcessJobTest(unittest.TestCase):

    def test_1_two_processes_train_like_one(self):
        two = submit(processes=2)
        one = submit(processes=0)
        for job in (two, one):
            self.assertEqual(CLIENT.wait(job.id).state, fln.SUCCEEDED,
                             CLIENT.get_job(job.id).error_message)
        self.assertEqual(CLIENT.get_job(two.id).processes, 2)
        self.assertEqual(epochs_streamed(two.id), [1, 2, 3])
        x = np.concatenate([DATA["test_x"], DATA["train_x"][:50]])
        weights = CLIENT.get_weights(two.id)
        np.testing.assert_allclose(CLIENT.predict(two.id, x).probabilities,
                                   numpy_forward(weights, x), rtol=1e-4, atol=1e-5)
        reference = CLIENT.get_weights(one.id)
        for (w2, b2), (w1, b1) in zip(weights.layers, reference.layers):
            scale = max(np.abs(w1).max(), np.abs(b1).max())
            np.testing.assert_allclose(w2, w1, rtol=0, atol=FLN_TOLERANCE * scale)
            np.testing.assert_allclose(b2, b1, rtol=0, atol=FLN_TOLERANCE * scale)
        # Not vacuous: the weights moved far more than the tolerance.
        self.assertGreater(np.abs(weights.layers[0][0]).max(), 10 * FLN_TOLERANCE)
        DATA["uninterrupted"] = weights

    def test_2_killing_a_rank_fails_the_job(self):
        job = submit(LONG)
        wait_for("the first epoch", first_epoch_done(job.id), timeout=60)
        pids = worker_pids(job.id)
        self.assertEqual(len(pids), 2, "both ranks run")
        killed = time.monotonic()
        os.kill(pids[-1], signal.SIGKILL)
        wait_for("the job to fail", lambda: CLIENT.get_job(job.id).state == fln.FAILED,
                 timeout=20)
        print("kill -9 of a rank to FAILED: %.2f s" % (time.monotonic() - killed))
        failed = CLIENT.get_job(job.id)
        self.assertEqual(failed.error_code, grpc.StatusCode.ABORTED.value[0])
        self.assertIn("worker processes ended", failed.error_message)
        self.assertIn("signal 9", failed.error_message)
        wait_for("the other rank to end", lambda: not worker_pids(job.id), timeout=10)
        # The server goes on: the next job runs.
        nxt = submit(dict(SCHEDULE, epochs=1))
        self.assertEqual(CLIENT.wait(nxt.id).state, fln.SUCCEEDED)

    def test_3_cancel_stops_both_ranks(self):
        job = submit(LONG)
        wait_for("the first epoch", first_epoch_done(job.id), timeout=60)
        self.assertEqual(len(worker_pids(job.id)), 2)
        asked = time.monotonic()
        CLIENT.cancel(job.id)
        wait_for("the job to be cancelled",
                 lambda: CLIENT.get_job(job.id).state == fln.CANCELLED, timeout=15)
        wait_for("both ranks to end", lambda: not worker_pids(job.id), timeout=10)
        print("cancel to CANCELLED, both ranks gone: %.2f s" % (time.monotonic() - asked))

    def test_4_flnd_restart_resumes_the_job(self):
        global SERVER, CLIENT
        schedule = dict(SCHEDULE, epochs=6)
        open(HOLD, "w").close()
        job = submit(schedule)
        wait_for("the job to hold after epoch 3",
                 lambda: CLIENT.get_job(job.id).epochs_completed == 3, timeout=60)
        self.assertEqual(len(worker_pids(job.id)), 2)
        CLIENT.close()
        SERVER.kill()  # SIGKILL: no graceful stop
        os.remove(HOLD)
        wait_for("the ranks to go with flnd", lambda: not worker_pids(job.id), timeout=10)
        SERVER = Flnd("mp", *MPI_FLAGS, port=SERVER.port)
        CLIENT = fln.connect(SERVER.address, timeout=30)
        CLIENT.wait_ready(30)
        done = CLIENT.wait(job.id)
        self.assertEqual(done.state, fln.SUCCEEDED, done.error_message)
        events = list(CLIENT.events(job.id))
        self.assertTrue(any(e.HasField("resumed") for e in events))
        self.assertEqual(epochs_streamed(job.id), list(range(1, 7)))
        # Same weights as an uninterrupted 2-process run of the same job.
        uninterrupted = submit(schedule)
        self.assertEqual(CLIENT.wait(uninterrupted.id).state, fln.SUCCEEDED)
        for (w, b), (w0, b0) in zip(CLIENT.get_weights(job.id).layers,
                                    CLIENT.get_weights(uninterrupted.id).layers):
            np.testing.assert_array_equal(w, w0)
            np.testing.assert_array_equal(b, b0)

    def test_5_bad_processes(self):
        cases = [(-1, dict(SCHEDULE), grpc.StatusCode.INVALID_ARGUMENT, "processes must be >= 0"),
                 (5, dict(SCHEDULE), grpc.StatusCode.INVALID_ARGUMENT, "--max_processes"),
                 (3, dict(SCHEDULE, batch_size=2), grpc.StatusCode.INVALID_ARGUMENT,
                  "batch_size")]
        for processes, schedule, code, text in cases:
            with self.assertRaises(fln.FlnError) as e:
                submit(schedule, processes=processes)
            self.assertEqual(e.exception.code, code, e.exception)
            self.assertIn(text, str(e.exception))
        # A server that cannot launch workers refuses such jobs and says why.
        server = Flnd("no-mpi", "--mpirun=/nonexistent/mpirun")
        try:
            with fln.connect(server.address, timeout=30) as client:
                client.wait_ready(30)
                train = client.upload_arrays(DATA["train_x"], DATA["train_y"])
                with self.assertRaises(fln.FlnError) as e:
                    client.submit(train, model=MODEL, schedule=SCHEDULE, processes=2)
                self.assertEqual(e.exception.code, grpc.StatusCode.FAILED_PRECONDITION)
                self.assertIn("--mpirun", str(e.exception))
                # In-process jobs still run.
                job = client.submit(train, model=MODEL, schedule=SCHEDULE)
                self.assertEqual(client.wait(job.id).state, fln.SUCCEEDED)
        finally:
            server.kill()


if __name__ == "__main__":
    unittest.main(verbosity=2)
