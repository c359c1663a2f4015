"""fln: the Python client of the fln training service (proto/service.proto).

    import fln
    client = fln.connect("127.0.0.1:50051", token=None)
    job = client.submit(train_id, model="input_size: 8 layers { dense { units: 3 } }",
                        schedule={"method": "FLN", "epochs": 2, "batch_size": 50})
    final = client.wait(job.id)          # follows the live events
    assert final.state == fln.SUCCEEDED

Needs the generated `proto` package on sys.path (bazel build
//client/python:python_proto_gen, then PYTHONPATH=bazel-bin/client/python:client/python).
"""

from proto import model_pb2, service_pb2, service_pb2_grpc

from fln.client import (
    TERMINAL_STATES,
    Client,
    Evaluation,
    FlnError,
    ModelWeights,
    Predictions,
    connect,
    to_dict,
    to_message,
)

# Job states, so callers can write fln.SUCCEEDED.
QUEUED = service_pb2.QUEUED
RUNNING = service_pb2.RUNNING
SUCCEEDED = service_pb2.SUCCEEDED
FAILED = service_pb2.FAILED
CANCELLED = service_pb2.CANCELLED


def state_name(state: int) -> str:
    """A JobState number as its name, e.g. 3 -> "SUCCEEDED"."""
    return service_pb2.JobState.Name(state)


__all__ = [
    "Client", "Evaluation", "FlnError", "ModelWeights", "Predictions", "TERMINAL_STATES",
    "connect", "to_dict", "to_message", "state_name", "model_pb2", "service_pb2",
    "service_pb2_grpc", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED",
]
