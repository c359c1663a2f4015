"""Tests of the fln Python client against a real flnd process.

Run by fln_client_test.sh with Debian's /usr/bin/python3 (grpcio, numpy) and
FLND set to the server binary. One server serves most tests; the token and
crash tests start their own.
"""

import gzip
import os
import pathlib
import struct
import time
import unittest

import grpc
import numpy as np

import fln
from fln_testing import TMP, Flnd, numpy_forward, synthetic

MODEL_TEXT = """
  input_size: 8
  layers { dense { units: 16 } }
  layers { dense { units: 3 } }
"""
SCHEDULE = {"method": "FLN", "epochs": 2, "batch_size": 50, "seed": 1}


SERVER = None
CLIENT = None
DATA = {}


def setUpModule():
    global SERVER, CLIENT
    SERVER = Flnd("main")
    CLIENT = fln.connect(SERVER.address, timeout=30)
    CLIENT.wait_ready(30)
    DATA["train_x"], DATA["train_y"] = synthetic(1, 300)
    DATA["test_x"], DATA["test_y"] = synthetic(2, 90)
    DATA["train"] = CLIENT.upload_arrays(DATA["train_x"], DATA["train_y"], name="py-train")
    DATA["test"] = CLIENT.upload_arrays(DATA["test_x"], DATA["test_y"], name="py-test")
    job = CLIENT.submit(DATA["train"], model=MODEL_TEXT, schedule=SCHEDULE, test=DATA["test"],
                        name="py-fln", request_id="py-fln-1")
    DATA["submitted"] = job
    DATA["events"] = list(CLIENT.events(job.id))
    DATA["job"] = CLIENT.get_job(job.id)


def tearDownModule():
    if CLIENT is not None:
        CLIENT.close()
    if SERVER is not None:
        SERVER.kill()


class DatasetTest(unittest.TestCase):

    def test_upload_arrays_as_csv(self):
        train = DATA["train"]
        self.assertEqual(train.name, "py-train")
        self.assertEqual(train.format, fln.service_pb2.CSV)
        self.assertEqual((train.num_samples, train.num_features, train.num_classes), (300, 8, 3))
        self.assertEqual(train.source, "upload")
        self.assertEqual(CLIENT.get_dataset(train.id), train)
        self.assertIn(train.id, [d.id for d in CLIENT.list_datasets()])

    def test_upload_csv_file_matches_arrays(self):
        x, y = DATA["test_x"], DATA["test_y"]
        path = os.path.join(TMP, "test_with_header.csv")
        with open(path, "w") as f:
            f.write("label," + ",".join(f"f{j}" for j in range(8)) + "\n")
            for label, row in zip(y, x):
                f.write("%d," % label + ",".join("%.9g" % v for v in row) + "\n")
        dataset = CLIENT.upload_csv(path, has_header=True)
        self.assertEqual(dataset.name, "test_with_header")
        self.assertEqual((dataset.num_samples, dataset.num_features), (90, 8))
        # Same values, so the model scores it exactly as the arrays upload.
        self.assertEqual(CLIENT.evaluate(DATA["job"].id, dataset).accuracy,
                         CLIENT.evaluate(DATA["job"].id, DATA["test"]).accuracy)

    def test_upload_idx_arrays_and_files(self):
        rng = np.random.default_rng(3)
        images = rng.integers(0, 256, size=(20, 4, 5), dtype=np.uint8)
        labels = rng.integers(0, 4, size=20)
        labels[0] = 3  # so 4 classes are inferred
        from_arrays = CLIENT.upload_arrays(images, labels, name="py-idx")
        self.assertEqual(from_arrays.format, fln.service_pb2.IDX)
        self.assertEqual((from_arrays.num_samples, from_arrays.num_features,
                          from_arrays.height, from_arrays.width, from_arrays.num_classes),
                         (20, 20, 4, 5, 4))
        image_bytes = struct.pack(">IIII", 0x803, 20, 4, 5) + images.tobytes()
        label_bytes = struct.pack(">II", 0x801, 20) + labels.astype(np.uint8).tobytes()
        images_path = os.path.join(TMP, "py-images-idx3-ubyte")
        labels_path = os.path.join(TMP, "py-labels-idx1-ubyte.gz")
        pathlib.Path(images_path).write_bytes(image_bytes)
        pathlib.Path(labels_path).write_bytes(gzip.compress(label_bytes))
        from_files = CLIENT.upload_idx(images_path, labels_path)
        self.assertEqual(from_files.name, "py-images-idx3-ubyte")
        self.assertEqual((from_files.num_samples, from_files.height, from_files.width), (20, 4, 5))
        # The raw image file is the byte stream upload_arrays built.
        pathlib.Path(labels_path.replace(".gz", "")).write_bytes(label_bytes)
        raw = CLIENT.upload_idx(images_path, labels_path.replace(".gz", ""), name="raw")
        self.assertEqual(raw.content_hash, from_arrays.content_hash)
        CLIENT.delete_dataset(raw)
        with self.assertRaises(fln.FlnError) as e:
            CLIENT.get_dataset(raw.id)
        self.assertEqual(e.exception.code, grpc.StatusCode.NOT_FOUND)

    def test_upload_rejects_bad_arrays_locally(self):
        x, y = DATA["test_x"], DATA["test_y"]
        for features, labels in [(x, y[:-1]), (x, -y - 1), (x[:, :, None], y),
                                 (np.where(x > 2.5, np.nan, x), y)]:
            with self.assertRaises(fln.FlnError) as e:
                CLIENT.upload_arrays(features, labels)
            self.assertEqual(e.exception.code, grpc.StatusCode.INVALID_ARGUMENT)


class JobTest(unittest.TestCase):

    def test_events_to_succeeded(self):
        events = DATA["events"]
        sequences = [e.sequence for e in events]
        # Every stored event once, in order, from 1, no gaps.
        self.assertEqual(sequences, list(range(1, len(events) + 1)))
        self.assertTrue(all(e.job_id == DATA["job"].id for e in events))
        self.assertFalse(any(e.HasField("heartbeat") for e in events))
        epochs = [e.metrics for e in events if e.HasField("metrics") and e.metrics.end_of_epoch]
        self.assertEqual([m.epoch for m in epochs], [1, 2])
        for m in epochs:
            self.assertTrue(m.has_relaxed_objective)
            self.assertGreater(m.train_loss, 0)
            self.assertGreaterEqual(m.test_accuracy, 0)
        self.assertEqual([e.checkpoint.epoch for e in events if e.HasField("checkpoint")], [1, 2])
        last = events[-1]
        self.assertTrue(last.HasField("state"))
        self.assertEqual(last.state.state, fln.SUCCEEDED)
        job = DATA["job"]
        self.assertEqual(job.state, fln.SUCCEEDED)
        self.assertEqual(job.epochs_completed, 2)
        self.assertEqual(job.last_sequence, len(events))
        self.assertEqual(fln.state_name(job.state), "SUCCEEDED")

    def test_submit_is_idempotent_and_listed(self):
        again = CLIENT.submit(DATA["train"].id, model=MODEL_TEXT, schedule=SCHEDULE,
                              test=DATA["test"].id, name="py-fln", request_id="py-fln-1")
        self.assertEqual(again.id, DATA["job"].id)
        self.assertEqual(DATA["job"].model, fln.to_message(MODEL_TEXT, fln.model_pb2.ModelSpec))
        self.assertIn(DATA["job"].id, [j.id for j in CLIENT.list_jobs(state="SUCCEEDED")])
        self.assertNotIn(DATA["job"].id, [j.id for j in CLIENT.list_jobs(state=fln.FAILED)])
        # Replaying from the middle yields just the tail.
        tail = list(CLIENT.events(DATA["job"].id, from_sequence=3))
        self.assertEqual([e.sequence for e in tail], [e.sequence for e in DATA["events"][2:]])

    def test_wait_on_a_finished_job(self):
        seen = []
        job = CLIENT.wait(DATA["job"].id, on_event=seen.append)
        self.assertEqual(job.state, fln.SUCCEEDED)
        self.assertEqual(len(seen), len(DATA["events"]))


class ModelTest(unittest.TestCase):

    def test_predict_equals_numpy_feed_forward(self):
        weights = CLIENT.get_weights(DATA["job"].id)
        self.assertTrue(weights.model.final)
        self.assertEqual(weights.model.epoch, 2)
        self.assertEqual([(w.shape, b.shape) for w, b in weights.layers],
                         [((16, 8), (16,)), ((3, 16), (3,))])
        self.assertEqual(weights.layers[0][0].dtype, np.float32)
        x = np.concatenate([DATA["test_x"], DATA["train_x"][:50]])
        expected = numpy_forward(weights, x)
        got = CLIENT.predict(DATA["job"].id, x)
        self.assertEqual(got.probabilities.shape, (140, 3))
        self.assertEqual(got.labels.shape, (140,))
        np.testing.assert_allclose(got.probabilities, expected, rtol=1e-4, atol=1e-5)
        # Labels are the argmax wherever the top two are not a float tie.
        top2 = np.sort(expected, axis=1)[:, -2:]
        clear = top2[:, 1] - top2[:, 0] > 1e-4
        np.testing.assert_array_equal(got.labels[clear], expected.argmax(axis=1)[clear])
        # One sample as a vector; and a model that did learn something.
        one = CLIENT.predict(DATA["job"], x[5])
        np.testing.assert_allclose(one.probabilities[0], got.probabilities[5], rtol=1e-6)
        self.assertGreater(np.mean(got.labels[:90] == DATA["test_y"]), 0.6)

    def test_predict_splits_large_inputs(self):
        x = np.tile(DATA["test_x"], (800, 1))  # 72,000 samples > one request's 65,536
        got = CLIENT.predict(DATA["job"].id, x)
        self.assertEqual(got.probabilities.shape, (72000, 3))
        np.testing.assert_array_equal(got.probabilities[-90:], got.probabilities[:90])

    def test_evaluate_matches_numpy(self):
        result = CLIENT.evaluate(DATA["job"].id, DATA["test"].id)
        self.assertEqual(result.samples, 90)
        self.assertEqual(result.num_classes, 3)
        self.assertEqual(result.confusion.shape, (3, 3))
        self.assertEqual(result.confusion.sum(), 90)
        np.testing.assert_array_equal(result.confusion.sum(axis=1), np.bincount(DATA["test_y"]))
        self.assertAlmostEqual(result.accuracy, np.trace(result.confusion) / 90.0)
        probabilities = numpy_forward(CLIENT.get_weights(DATA["job"].id), DATA["test_x"])
        self.assertAlmostEqual(result.accuracy,
                               np.mean(probabilities.argmax(axis=1) == DATA["test_y"]))
        loss = -np.mean(np.log(probabilities[np.arange(90), DATA["test_y"]]))
        self.assertAlmostEqual(result.loss, loss, places=4)

    def test_list_and_get_models(self):
        models = CLIENT.list_models()
        self.assertIn(DATA["job"].id, [m.id for m in models])
        model = CLIENT.get_model(DATA["job"].id)
        self.assertEqual(model.job_id, DATA["job"].id)
        self.assertFalse(model.HasField("checkpoint"))  # weights only on request
        self.assertEqual(model.spec.input_size, 8)


class ErrorTest(unittest.TestCase):

    def assertCode(self, code, call, *args, **kwargs):
        with self.assertRaises(fln.FlnError) as e:
            result = call(*args, **kwargs)
            if hasattr(result, "__next__"):
                list(result)
        self.assertEqual(e.exception.code, code, e.exception)
        self.assertTrue(e.exception.message)
        self.assertIn(code.name, str(e.exception))
        return e.exception

    def test_unknown_ids_are_not_found(self):
        NOT_FOUND = grpc.StatusCode.NOT_FOUND
        self.assertCode(NOT_FOUND, CLIENT.get_job, "no-such-job")
        self.assertCode(NOT_FOUND, CLIENT.cancel, "no-such-job")
        self.assertCode(NOT_FOUND, CLIENT.events, "no-such-job")
        self.assertCode(NOT_FOUND, CLIENT.get_model, "no-such-model")
        self.assertCode(NOT_FOUND, CLIENT.predict, "no-such-model", DATA["test_x"])
        self.assertCode(NOT_FOUND, CLIENT.get_dataset, "no-such-dataset")
        self.assertCode(NOT_FOUND, CLIENT.submit, "no-such-dataset", MODEL_TEXT, SCHEDULE)
        self.assertCode(NOT_FOUND, CLIENT.upload_csv, os.path.join(TMP, "missing.csv"))

    def test_malformed_requests_are_invalid_argument(self):
        INVALID = grpc.StatusCode.INVALID_ARGUMENT
        train = DATA["train"]
        # The server's validation: a layer without units, a zero batch size.
        error = self.assertCode(INVALID, CLIENT.submit, train,
                                "input_size: 8 layers { dense { units: 0 } }", SCHEDULE)
        bad_schedule = dict(SCHEDULE, batch_size=0)
        error = self.assertCode(INVALID, CLIENT.submit, train, MODEL_TEXT, bad_schedule)
        self.assertIn("batch_size", error.message)
        # The model's width is 8.
        self.assertCode(INVALID, CLIENT.predict, DATA["job"].id, np.zeros((2, 7), np.float32))
        self.assertCode(INVALID, CLIENT.predict, DATA["job"].id,
                        np.full((1, 8), np.inf, np.float32))
        # Rejected by the client before sending.
        self.assertCode(INVALID, CLIENT.submit, train, "input_size: eight", SCHEDULE)
        self.assertCode(INVALID, CLIENT.submit, train, {"no_such_field": 1}, SCHEDULE)
        self.assertCode(INVALID, CLIENT.list_jobs, state="DONE")

    def test_state_errors(self):
        self.assertCode(grpc.StatusCode.FAILED_PRECONDITION, CLIENT.cancel, DATA["job"].id)
        self.assertCode(grpc.StatusCode.OUT_OF_RANGE, CLIENT.events, DATA["job"].id,
                        from_sequence=len(DATA["events"]) + 5)


class _FakeRpcError(grpc.RpcError):
    def __init__(self, code):
        self._code = code

    def code(self):
        return self._code

    def details(self):
        return "fake " + self._code.name


class _FakeStream:
    """A Watch stream replaying `events` then raising `error` (or ending OK)."""

    def __init__(self, events, error=None):
        self._events, self._error = events, error

    def __iter__(self):
        yield from self._events
        if self._error is not None:
            raise _FakeRpcError(self._error)

    def cancel(self):
        pass


class _FakeJobs:
    def __init__(self, streams):
        self.streams, self.requests = list(streams), []

    def Watch(self, request, metadata=()):
        self.requests.append(request.from_sequence)
        return self.streams.pop(0)


def _event(sequence, **kind):
    return fln.service_pb2.JobEvent(sequence=sequence, job_id="j", **kind)


class EventsReconnectLogicTest(unittest.TestCase):
    """The reconnect rules of Client.events, on a scripted stub."""

    def events_from(self, streams, **options):
        client = fln.Client(grpc.insecure_channel("127.0.0.1:1"))
        client.jobs_stub = _FakeJobs(streams)
        reconnects = []
        events = list(client.events("j", initial_backoff=0.01,
                                    on_reconnect=lambda e, n: reconnects.append((e.code, n)),
                                    **options))
        return [e.sequence for e in events], client.jobs_stub.requests, reconnects

    def test_resumes_after_last_sequence_without_duplicates(self):
        heartbeat = _event(2, heartbeat=fln.service_pb2.Heartbeat())
        sequences, requests, reconnects = self.events_from([
            _FakeStream([_event(1), _event(2), heartbeat], grpc.StatusCode.UNAVAILABLE),
            _FakeStream([], grpc.StatusCode.CANCELLED),
            _FakeStream([_event(2), _event(3)]),
        ])
        self.assertEqual(sequences, [1, 2, 3])
        self.assertEqual(requests, [0, 3, 3])
        self.assertEqual(reconnects, [(grpc.StatusCode.UNAVAILABLE, 3),
                                      (grpc.StatusCode.CANCELLED, 3)])

    def test_out_of_range_after_a_reconnect_is_the_end(self):
        sequences, _, _ = self.events_from([
            _FakeStream([_event(1)], grpc.StatusCode.UNAVAILABLE),
            _FakeStream([], grpc.StatusCode.OUT_OF_RANGE),
        ])
        self.assertEqual(sequences, [1])

    def test_other_errors_and_endless_outages_raise(self):
        with self.assertRaises(fln.FlnError) as e:
            self.events_from([_FakeStream([_event(1)], grpc.StatusCode.PERMISSION_DENIED)])
        self.assertEqual(e.exception.code, grpc.StatusCode.PERMISSION_DENIED)
        outage = [_FakeStream([], grpc.StatusCode.UNAVAILABLE) for _ in range(100)]
        with self.assertRaises(fln.FlnError) as e:
            self.events_from(outage, max_reconnect_seconds=0.1)
        self.assertEqual(e.exception.code, grpc.StatusCode.UNAVAILABLE)
        self.assertIn("gave up reconnecting", e.exception.message)


class TokenTest(unittest.TestCase):

    def test_bearer_token(self):
        tokens = os.path.join(TMP, "tokens")
        with open(tokens, "w") as f:
            f.write("alice py-token-0123456789abcdef\n")
        server = Flnd("auth", f"--auth_token_file={tokens}")
        try:
            with fln.connect(server.address) as anonymous:
                with self.assertRaises(fln.FlnError) as e:
                    anonymous.list_jobs()
                self.assertEqual(e.exception.code, grpc.StatusCode.UNAUTHENTICATED)
            with fln.connect(server.address, token="wrong-token-0123456789") as wrong:
                with self.assertRaises(fln.FlnError) as e:
                    wrong.list_datasets()
                self.assertEqual(e.exception.code, grpc.StatusCode.UNAUTHENTICATED)
            with fln.connect(server.address, token="py-token-0123456789abcdef") as alice:
                x, y = synthetic(4, 30)
                dataset = alice.upload_arrays(x, y, name="alice")  # a stream carries it too
                self.assertEqual(dataset.created_by, "alice")
                self.assertEqual(alice.list_jobs(), [])
        finally:
            server.kill()


class CrashTest(unittest.TestCase):

    def test_events_survive_a_server_crash(self):
        """SIGKILL flnd while a job is watched, restart it on the same port: the watch goes on.

        The watched job waits in the queue behind a long one (flnd trains one
        job at a time), so the kill lands before it starts whatever the
        machine's speed; after the restart the long one is cancelled and the
        watched one trains.
        """
        server = Flnd("crash")
        client = fln.connect(server.address)
        try:
            x, y = synthetic(5, 300)
            train = client.upload_arrays(x, y)
            blocker = client.submit(train, MODEL_TEXT, dict(SCHEDULE, epochs=1000), name="blocker")
            job = client.submit(train, MODEL_TEXT, SCHEDULE, holdout_fraction=0.2, name="watched")
            events, reconnects, seen_at_kill = [], [], None
            for event in client.events(job, include_heartbeats=True,
                                       on_reconnect=lambda e, n: reconnects.append((e.code, n))):
                if not event.HasField("heartbeat"):
                    events.append(event)
                if seen_at_kill is None:  # the first message, event or heartbeat
                    self.assertEqual(client.get_job(job).state, fln.QUEUED)
                    seen_at_kill = len(events)
                    port = server.port
                    server.kill()
                    server = Flnd("crash", port=port)
                    client.cancel(blocker)
            self.assertGreaterEqual(len(reconnects), 1)
            # Resumed after the last event seen (0 = from the start).
            self.assertEqual(reconnects[0],
                             (grpc.StatusCode.UNAVAILABLE, seen_at_kill + 1 if seen_at_kill else 0))
            self.assertEqual([e.sequence for e in events], list(range(1, len(events) + 1)))
            states = [e.state.state for e in events if e.HasField("state")]
            self.assertEqual(states[-2:], [fln.RUNNING, fln.SUCCEEDED])
            epochs = [e.metrics.epoch for e in events
                      if e.HasField("metrics") and e.metrics.end_of_epoch]
            self.assertEqual(epochs, [1, 2])
            self.assertEqual(client.get_job(blocker).state, fln.CANCELLED)
        finally:
            client.close()
            server.kill()


if __name__ == "__main__":
    unittest.main(verbosity=2)
