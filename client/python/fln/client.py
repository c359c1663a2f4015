"""The Python client of the fln gRPC API (proto/service.proto, package fln.v1).

A thin layer over the generated stubs: numpy in and out, text-proto or dict
models and schedules, one exception class, and a job event stream that
survives server restarts. Results that the API already describes well (Dataset,
Job, Model, JobEvent) are returned as the generated protobuf messages.

    import fln
    with fln.connect("127.0.0.1:50051") as client:
        train, test = client.import_builtin("fashion-mnist")
        job = client.submit(train, model=MODEL_TEXT, schedule={"method": "FLN", "epochs": 3,
                            "batch_size": 500}, test=test)
        for event in client.events(job.id):
            if event.HasField("metrics"):
                print(event.metrics.epoch, event.metrics.test_accuracy)
        out = client.predict(job.id, images.reshape(len(images), -1))
"""

import collections
import dataclasses
import io
import os
import struct
import time
from typing import Callable, Iterator, List, Optional, Sequence, Tuple, Union

import grpc
import numpy as np
from google.protobuf import json_format, message as _message, text_format

from proto import model_pb2, service_pb2, service_pb2_grpc

# Largest chunk the Upload API accepts.
_CHUNK_BYTES = 1 << 20
# Inputs per Predict request (2 MiB of floats), as the C++ CLI: well under
# flnd's default 8 MiB message limit.
_MAX_FLOATS_PER_PREDICT = 1 << 19

TERMINAL_STATES = frozenset(
    [service_pb2.SUCCEEDED, service_pb2.FAILED, service_pb2.CANCELLED])

# UNAVAILABLE: server draining, restarting or unreachable. CANCELLED: gRPC
# cancels a call that reached a server in its shutdown grace period (this
# client never cancels a watch itself). Same rule as client/watch.cc.
_RETRYABLE = frozenset([grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED])


class FlnError(Exception):
    """An fln call failed.

    Attributes:
      code: the grpc.StatusCode (the server's canonical code, e.g. NOT_FOUND
        for an unknown id, INVALID_ARGUMENT for a malformed model; input the
        client rejects before sending is INVALID_ARGUMENT too).
      message: the server's (or the client's) explanation.
    """

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


def _from_rpc_error(error: grpc.RpcError) -> FlnError:
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    details = error.details() if hasattr(error, "details") else str(error)
    return FlnError(code or grpc.StatusCode.UNKNOWN, details or "")


def _invalid(message: str) -> FlnError:
    return FlnError(grpc.StatusCode.INVALID_ARGUMENT, message)


def _read_pem(value: Union[None, bytes, str, os.PathLike]) -> Optional[bytes]:
    """PEM bytes, PEM text, or a path to a PEM file -> bytes."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    if isinstance(value, str) and value.lstrip().startswith("-----BEGIN"):
        return value.encode()
    with open(value, "rb") as f:
        return f.read()


def to_message(value, message_type, what: str = "message"):
    """Builds a `message_type` from a message, dict, text proto or file path.

    Args:
      value: an instance of message_type (copied); a dict in the proto3 JSON
        mapping (json_format.ParseDict: field names as in the .proto or
        lowerCamelCase, enums by name); a str holding a text proto (e.g.
        'input_size: 8 layers { dense { units: 3 } }'); or an os.PathLike
        naming a text-proto file (such as examples/mlp_300.textproto).
      message_type: the generated class, e.g. fln.model_pb2.ModelSpec.
      what: names the value in error messages.

    Raises:
      FlnError(INVALID_ARGUMENT): the value does not parse.
    """
    result = message_type()
    try:
        if isinstance(value, message_type):
            result.CopyFrom(value)
        elif isinstance(value, dict):
            json_format.ParseDict(value, result)
        elif isinstance(value, os.PathLike):
            with open(value, "r", encoding="utf-8") as f:
                text_format.Parse(f.read(), result)
        elif isinstance(value, str):
            text_format.Parse(value, result)
        else:
            raise _invalid(f"{what}: want a {message_type.DESCRIPTOR.full_name}, dict, "
                           f"text proto or path, got {type(value).__name__}")
    except (text_format.ParseError, json_format.ParseError) as e:
        raise _invalid(f"{what}: cannot parse as {message_type.DESCRIPTOR.full_name}: {e}")
    except OSError as e:
        raise _invalid(f"{what}: {e}")
    return result


def to_dict(message: _message.Message) -> dict:
    """A message as a dict (proto field names, enums by name, defaults included)."""
    return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                     including_default_value_fields=True)


def _id_of(value, what: str) -> str:
    """An id from a str or a message with an `id` field (Dataset, Job, Model)."""
    if isinstance(value, str):
        return value
    if isinstance(value, _message.Message) and "id" in value.DESCRIPTOR.fields_by_name:
        return value.id
    raise _invalid(f"{what}: want an id or a message with one, got {type(value).__name__}")


Predictions = collections.namedtuple("Predictions", ["labels", "probabilities"])
Predictions.__doc__ = """Predict's result.

labels: int32 [n], the most probable class (the class Evaluate counts).
probabilities: float32 [n, num_classes], softmax of the logits.
"""


@dataclasses.dataclass
class Evaluation:
    """Evaluate's result; confusion[true, predicted] = count."""
    samples: int
    accuracy: float
    loss: float
    num_classes: int
    confusion: np.ndarray


@dataclasses.dataclass
class ModelWeights:
    """A model with its weights as numpy arrays.

    layers[l] = (weight float32 [units, inputs], bias float32 [units]) for
    every weight layer, input first; y = W x + b, ReLU on all but the last
    (the logits). Convolution layers keep the engine's layout (see
    proto/model.proto). normalization is applied to raw inputs first (the
    model's training scaling: x / scale, or (x - mean) / stddev).
    """
    model: "service_pb2.Model"
    layers: List[Tuple[np.ndarray, np.ndarray]]
    normalization: "model_pb2.Normalization"

    def normalize(self, x: np.ndarray) -> np.ndarray:
        """Applies the model's input normalization to raw rows x [n, d]."""
        x = np.asarray(x, dtype=np.float32)
        norm = self.normalization
        if norm.scaling in (model_pb2.SCALING_UNSPECIFIED, model_pb2.UNIT_RANGE):
            return x / np.float32(norm.scale)
        if norm.scaling == model_pb2.STANDARDIZE:
            return (x - np.asarray(norm.mean, np.float32)) / np.asarray(norm.stddev, np.float32)
        return x


def _tensor(t: "model_pb2.Tensor") -> np.ndarray:
    return np.asarray(t.values, dtype=np.float32).reshape(t.rows, t.cols)


def _csv_bytes(features: np.ndarray, labels: np.ndarray) -> bytes:
    """label,f1,...,fd per row; %.9g round-trips float32 exactly."""
    out = io.StringIO()
    row_format = "%d" + ",%.9g" * features.shape[1] + "\n"
    for label, row in zip(labels.tolist(), features.tolist()):
        out.write(row_format % (label, *row))
    return out.getvalue().encode()


def _idx_bytes(images: np.ndarray, labels: np.ndarray) -> Tuple[bytes, bytes]:
    n, rows, cols = images.shape
    image_bytes = struct.pack(">IIII", 0x803, n, rows, cols) + images.astype(np.uint8).tobytes()
    label_bytes = struct.pack(">II", 0x801, n) + labels.astype(np.uint8).tobytes()
    return image_bytes, label_bytes


def _chunks(data: Union[bytes, io.BufferedIOBase]) -> Iterator[bytes]:
    if isinstance(data, bytes):
        for start in range(0, len(data), _CHUNK_BYTES):
            yield data[start:start + _CHUNK_BYTES]
        return
    while True:
        block = data.read(_CHUNK_BYTES)
        if not block:
            return
        yield block


def _default_name(path) -> str:
    """'x/train-images-idx3-ubyte.gz' -> 'train-images-idx3-ubyte' (as the CLI)."""
    name = os.path.basename(os.fspath(path))
    for suffix in (".gz", ".csv"):
        if name.endswith(suffix):
            name = name[:-len(suffix)]
    return name


class Client:
    """A connection to flnd. Make one with fln.connect().

    Every method raises FlnError on failure. Unary calls have the deadline
    given to connect(); streams (upload, events) have none. Usable as a
    context manager (closes the channel).
    """

    def __init__(self, channel: grpc.Channel, token: Optional[str] = None,
                 timeout: Optional[float] = 60.0):
        self._channel = channel
        self._timeout = timeout
        # Metadata rather than call credentials: gRPC drops call credentials
        # on a plaintext channel, and a loopback flnd may use tokens without
        # TLS (the same choice as client/connection.cc).
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self.datasets_stub = service_pb2_grpc.DatasetsStub(channel)
        self.jobs_stub = service_pb2_grpc.JobsStub(channel)
        self.models_stub = service_pb2_grpc.ModelsStub(channel)

    # ------------------------------------------------------------ plumbing

    def close(self) -> None:
        """Closes the channel; the client is unusable afterwards."""
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Blocks until the channel is connected; FlnError(UNAVAILABLE) after timeout s."""
        try:
            grpc.channel_ready_future(self._channel).result(timeout=timeout)
        except grpc.FutureTimeoutError:
            raise FlnError(grpc.StatusCode.UNAVAILABLE,
                           f"no connection to the server within {timeout} s")

    def _unary(self, method, request):
        try:
            return method(request, timeout=self._timeout, metadata=self._metadata)
        except grpc.RpcError as e:
            raise _from_rpc_error(e) from None

    # ------------------------------------------------------------ datasets

    def _upload(self, header: "service_pb2.UploadHeader", parts) -> "service_pb2.Dataset":
        """Streams header then each (DatasetPart, bytes or binary file) part."""
        def requests():
            yield service_pb2.UploadDatasetRequest(header=header)
            for part, data in parts:
                for block in _chunks(data):
                    yield service_pb2.UploadDatasetRequest(
                        chunk=service_pb2.UploadChunk(part=part, data=block))
        try:
            return self.datasets_stub.Upload(requests(), metadata=self._metadata)
        except grpc.RpcError as e:
            raise _from_rpc_error(e) from None

    def upload_arrays(self, features: np.ndarray, labels: np.ndarray, name: str = "",
                      num_classes: int = 0) -> "service_pb2.Dataset":
        """Uploads a labelled dataset held in numpy arrays.

        Args:
          features: [n, d] (any real dtype; sent as CSV with float32 values
            that round-trip exactly), or uint8 images [n, rows, cols] (sent as
            IDX, which keeps the image shape and is 10x smaller).
          labels: [n] non-negative integers.
          name: the dataset's name.
          num_classes: 0 infers max label + 1.

        Returns: the stored fln.v1.Dataset.
        """
        features = np.asarray(features)
        labels = np.asarray(labels)
        if features.ndim not in (2, 3) or features.shape[0] == 0:
            raise _invalid(f"features must be [n, d] or [n, rows, cols] with n > 0, "
                           f"got shape {features.shape}")
        if labels.shape != (features.shape[0],):
            raise _invalid(f"labels must have shape ({features.shape[0]},), got {labels.shape}")
        if not np.issubdtype(labels.dtype, np.integer) or (labels < 0).any():
            raise _invalid("labels must be non-negative integers")
        header = service_pb2.UploadHeader(name=name, num_classes=num_classes)
        if features.ndim == 3:
            if features.dtype != np.uint8:
                raise _invalid(f"[n, rows, cols] images must be uint8, got {features.dtype}; "
                               "reshape to [n, rows * cols] to send other types")
            if labels.max() > 255:
                raise _invalid("IDX labels are bytes: labels must be < 256")
            header.format = service_pb2.IDX
            images, label_bytes = _idx_bytes(features, labels)
            parts = [(service_pb2.IMAGES, images), (service_pb2.LABELS, label_bytes)]
        else:
            values = features.astype(np.float32)
            if not np.isfinite(values).all():
                raise _invalid("features must be finite (as float32)")
            header.format = service_pb2.CSV
            parts = [(service_pb2.CSV_TABLE, _csv_bytes(values, labels))]
        return self._upload(header, parts)

    def upload_csv(self, path, name: Optional[str] = None, has_header: bool = False,
                   num_classes: int = 0) -> "service_pb2.Dataset":
        """Uploads a CSV file of `label,f1,f2,...` lines (has_header: skip line 1)."""
        try:
            with open(path, "rb") as f:
                header = service_pb2.UploadHeader(
                    name=_default_name(path) if name is None else name,
                    format=service_pb2.CSV, csv_has_header=has_header, num_classes=num_classes)
                return self._upload(header, [(service_pb2.CSV_TABLE, f)])
        except OSError as e:
            raise FlnError(grpc.StatusCode.NOT_FOUND, f"{path}: {e.strerror}")

    def upload_idx(self, images_path, labels_path, name: Optional[str] = None,
                   num_classes: int = 0) -> "service_pb2.Dataset":
        """Uploads an IDX image file and its label file (raw or .gz, as MNIST ships)."""
        try:
            # Both opened before the stream starts: a typo must not cost an upload.
            with open(images_path, "rb") as images, open(labels_path, "rb") as labels:
                header = service_pb2.UploadHeader(
                    name=_default_name(images_path) if name is None else name,
                    format=service_pb2.IDX, num_classes=num_classes)
                return self._upload(header, [(service_pb2.IMAGES, images),
                                             (service_pb2.LABELS, labels)])
        except OSError as e:
            raise FlnError(grpc.StatusCode.NOT_FOUND, f"{e.filename}: {e.strerror}")

    def import_builtin(self, builtin: str = "fashion-mnist"
                       ) -> Tuple["service_pb2.Dataset", "service_pb2.Dataset"]:
        """Imports a dataset built into the server; returns (train, test)."""
        response = self._unary(self.datasets_stub.Import,
                               service_pb2.ImportDatasetRequest(builtin=builtin))
        return response.train, response.test

    def list_datasets(self) -> List["service_pb2.Dataset"]:
        """Every dataset on the server."""
        return list(self._unary(self.datasets_stub.List,
                                service_pb2.ListDatasetsRequest()).datasets)

    def get_dataset(self, dataset) -> "service_pb2.Dataset":
        """One dataset, by id (or Dataset message)."""
        return self._unary(self.datasets_stub.Get,
                           service_pb2.GetDatasetRequest(id=_id_of(dataset, "dataset")))

    def delete_dataset(self, dataset) -> None:
        """Deletes a dataset (FAILED_PRECONDITION while a queued or running job uses it)."""
        self._unary(self.datasets_stub.Delete,
                    service_pb2.DeleteDatasetRequest(id=_id_of(dataset, "dataset")))

    # ---------------------------------------------------------------- jobs

    def submit(self, train, model, schedule, test=None, holdout_fraction: float = 0.0,
               name: str = "", request_id: str = "",
               processes: int = 0) -> "service_pb2.Job":
        """Queues a training job.

        Args:
          train: the training dataset (id or Dataset).
          model: the fln.v1.ModelSpec as a message, dict, text proto or
            os.PathLike of a text-proto file (see to_message).
          schedule: the fln.v1.Schedule, in the same forms.
          test: a test dataset (id or Dataset), or
          holdout_fraction: 0 < f < 1 holds out the last f of the training data.
          name: the job's name.
          request_id: idempotency key; a retry with the same key returns the
            first job instead of queueing another.
          processes: N > 1 trains data-parallel over N worker processes that
            flnd starts with mpirun (flnd --mpirun); 0 or 1: inside flnd.

        Returns: the fln.v1.Job (QUEUED), with the server's schedule defaults.
        """
        request = service_pb2.SubmitJobRequest(
            name=name, train_dataset_id=_id_of(train, "train"),
            test_dataset_id="" if test is None else _id_of(test, "test"),
            holdout_fraction=holdout_fraction, request_id=request_id, processes=processes,
            model=to_message(model, model_pb2.ModelSpec, "model"),
            schedule=to_message(schedule, model_pb2.Schedule, "schedule"))
        return self._unary(self.jobs_stub.Submit, request)

    def get_job(self, job) -> "service_pb2.Job":
        """One job, by id (or Job message)."""
        return self._unary(self.jobs_stub.Get, service_pb2.GetJobRequest(id=_id_of(job, "job")))

    def list_jobs(self, state=None, created_by: str = "",
                  page_size: int = 0) -> List["service_pb2.Job"]:
        """Jobs, newest first, every page fetched.

        state: a JobState (fln.SUCCEEDED or "SUCCEEDED"); None lists every state.
        created_by: only jobs submitted with this token name.
        """
        if isinstance(state, str):
            try:
                state = service_pb2.JobState.Value(state.upper())
            except ValueError:
                raise _invalid(f"unknown job state {state!r}")
        request = service_pb2.ListJobsRequest(state=state or 0, created_by=created_by,
                                              page_size=page_size)
        jobs = []
        while True:
            response = self._unary(self.jobs_stub.List, request)
            jobs.extend(response.jobs)
            # A token that does not move would loop forever.
            if not response.next_page_token or response.next_page_token == request.page_token:
                return jobs
            request.page_token = response.next_page_token

    def cancel(self, job) -> "service_pb2.Job":
        """Cancels a queued or running job (FAILED_PRECONDITION once it ended)."""
        return self._unary(self.jobs_stub.Cancel,
                           service_pb2.CancelJobRequest(id=_id_of(job, "job")))

    def events(self, job, from_sequence: int = 0, include_heartbeats: bool = False,
               max_reconnect_seconds: float = 30.0, initial_backoff: float = 0.2,
               max_backoff: float = 2.0,
               on_reconnect: Optional[Callable[[FlnError, int], None]] = None
               ) -> Iterator["service_pb2.JobEvent"]:
        """Yields a job's events (fln.v1.JobEvent), past then live, until it ends.

        Every stored event is yielded once, in sequence order. When the
        stream breaks with UNAVAILABLE or CANCELLED (server restarting or
        draining, network blip) it reconnects from the last sequence seen +
        1, with exponential backoff, for up to max_reconnect_seconds from the
        break (any message received resets it). The generator returns when
        the server closes the stream with OK (the job ended).

        Args:
          job: the job (id or Job).
          from_sequence: first event wanted (0 or 1: from the start).
          include_heartbeats: also yield heartbeats (sequence = last stored).
          on_reconnect: called with the error and the next sequence before
            each reconnect attempt.

        Raises:
          FlnError: NOT_FOUND (unknown job), OUT_OF_RANGE (from_sequence past
            the end of an ended job), or the last retryable error once
            reconnecting took longer than max_reconnect_seconds.
        """
        job_id = _id_of(job, "job")
        next_sequence = from_sequence
        last_sequence = 0
        reconnects = 0
        broken_since = None
        backoff = initial_backoff
        while True:
            stream = self.jobs_stub.Watch(
                service_pb2.WatchJobRequest(job_id=job_id, from_sequence=next_sequence),
                metadata=self._metadata)
            try:
                for event in stream:
                    broken_since = None
                    backoff = initial_backoff
                    if event.HasField("heartbeat"):
                        if include_heartbeats:
                            yield event
                        continue
                    # The server promises no duplicates; a replay overlapping
                    # a reconnect must still never reach the caller twice.
                    if event.sequence <= last_sequence:
                        continue
                    last_sequence = event.sequence
                    next_sequence = event.sequence + 1
                    yield event
                return
            except grpc.RpcError as e:
                error = _from_rpc_error(e)
            finally:
                # A caller that stops iterating early must not leave the call open.
                stream.cancel()
            # Past the end after a reconnect: the job ended in between and
            # every event was already seen.
            if error.code == grpc.StatusCode.OUT_OF_RANGE and reconnects > 0:
                return
            if error.code not in _RETRYABLE:
                raise error
            now = time.monotonic()
            if broken_since is None:
                broken_since = now
            if now - broken_since >= max_reconnect_seconds:
                raise FlnError(error.code, f"{error.message} (gave up reconnecting after "
                                           f"{max_reconnect_seconds} s)")
            if on_reconnect is not None:
                on_reconnect(error, next_sequence)
            time.sleep(backoff)
            backoff = min(2 * backoff, max_backoff)
            reconnects += 1

    def wait(self, job, on_event: Optional[Callable[["service_pb2.JobEvent"], None]] = None,
             **events_options) -> "service_pb2.Job":
        """Follows a job to its end (see events()) and returns the final Job.

        on_event, if given, is called with every event. Check the returned
        job's state: a FAILED or CANCELLED job does not raise.
        """
        for event in self.events(job, **events_options):
            if on_event is not None:
                on_event(event)
        return self.get_job(job)

    # -------------------------------------------------------------- models

    def list_models(self) -> List["service_pb2.Model"]:
        """Every model (a job's latest checkpoint), without weights."""
        return list(self._unary(self.models_stub.List, service_pb2.ListModelsRequest()).models)

    def get_model(self, model, include_weights: bool = False) -> "service_pb2.Model":
        """One model by id (its job's id); with include_weights, its Checkpoint too."""
        return self._unary(self.models_stub.Get, service_pb2.GetModelRequest(
            id=_id_of(model, "model"), include_weights=include_weights))

    def get_weights(self, model) -> ModelWeights:
        """A model's weights as numpy arrays (see ModelWeights)."""
        proto = self.get_model(model, include_weights=True)
        layers = [(_tensor(layer.weight), _tensor(layer.bias).reshape(-1))
                  for layer in proto.checkpoint.layers]
        return ModelWeights(model=proto, layers=layers,
                            normalization=proto.checkpoint.normalization)

    def predict(self, model, inputs: np.ndarray) -> Predictions:
        """Class probabilities for raw (unscaled) inputs.

        Args:
          model: the model (id, Model or Job).
          inputs: [n, input_size] (or [input_size] for one sample); the server
            applies the model's training normalization. Large n is split into
            several requests.

        Returns: Predictions(labels int32 [n], probabilities float32 [n, k]).
        """
        model_id = _id_of(model, "model")
        x = np.asarray(inputs, dtype=np.float32)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
            raise _invalid(f"inputs must be [n, input_size] with n > 0, got shape {x.shape}")
        n, width = x.shape
        per_request = max(1, _MAX_FLOATS_PER_PREDICT // width)
        labels, probabilities = [], []
        for first in range(0, n, per_request):
            block = np.ascontiguousarray(x[first:first + per_request])
            request = service_pb2.PredictRequest(model_id=model_id, num_samples=len(block))
            request.inputs.extend(block.reshape(-1))
            response = self._unary(self.models_stub.Predict, request)
            for p in response.predictions:
                labels.append(p.label)
                probabilities.append(np.asarray(p.probabilities, dtype=np.float32))
        return Predictions(np.asarray(labels, dtype=np.int32), np.stack(probabilities))

    def evaluate(self, model, dataset) -> Evaluation:
        """Accuracy, mean cross-entropy and confusion matrix of a model on a dataset."""
        response = self._unary(self.models_stub.Evaluate, service_pb2.EvaluateRequest(
            model_id=_id_of(model, "model"), dataset_id=_id_of(dataset, "dataset")))
        k = response.num_classes
        return Evaluation(samples=response.samples, accuracy=response.accuracy,
                          loss=response.loss, num_classes=k,
                          confusion=np.asarray(response.confusion, dtype=np.int64).reshape(k, k))


def connect(address: str, token: Optional[str] = None, ca_cert=None, client_cert=None,
            client_key=None, timeout: Optional[float] = 60.0,
            options: Sequence[Tuple[str, object]] = ()) -> Client:
    """Opens a channel to flnd at `address` ("host:port").

    Args:
      token: a bearer token (flnd --auth_token_file), sent on every call as
        "authorization: Bearer TOKEN".
      ca_cert: the CA to trust, as PEM bytes/text or a path: TLS when given,
        plaintext otherwise.
      client_cert, client_key: PEM (bytes/text or path) for mutual TLS.
      timeout: deadline in seconds of every unary call (None: no deadline).
      options: extra gRPC channel arguments.

    The channel is lazy: the first call connects (or call wait_ready()). Like
    the CLI, it pings every 30 s so a long watch notices a dead server, and
    accepts messages of any size (model weights).
    """
    channel_options = [
        ("grpc.keepalive_time_ms", 30000),
        ("grpc.keepalive_timeout_ms", 10000),
        ("grpc.max_receive_message_length", -1),
        # Reconnect soon after a restarted server is back, so a resumed
        # watch does not sit out gRPC's default backoff of up to 120 s.
        ("grpc.max_reconnect_backoff_ms", 2000),
    ] + list(options)
    if ca_cert is not None:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=_read_pem(ca_cert), private_key=_read_pem(client_key),
            certificate_chain=_read_pem(client_cert))
        channel = grpc.secure_channel(address, credentials, options=channel_options)
    else:
        channel = grpc.insecure_channel(address, options=channel_options)
    return Client(channel, token=token, timeout=timeout)
