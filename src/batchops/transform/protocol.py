"""What a transform and its worker processes say to each other (sent with `wire`).

To a worker: one `WorkerInit`, then one `plan.Task` per mini-batch; the end of its input
means there is no more work. From a worker, one reply per task, in task order:
`BatchScored` (the output bytes follow as a second frame, never inside the pickle),
`BadRecord`, `BadInput` or `WorkerError`. A reply whose `seq` is `LOADING_MODEL` is about
the `WorkerInit`: the model could not be loaded, and no task will be answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from batchops.transform.scoring import JobSpec

LOADING_MODEL = -1


@dataclass(frozen=True)
class ModelPayload:
    """A model in transit to a worker: its file bytes and manifest, never a pickle of it."""

    manifest_json: str
    model_bytes: bytes
    source: str


@dataclass(frozen=True)
class WorkerInit:
    """Sent as the first task, so workers start (and import) while the caller plans."""

    job: JobSpec
    model: ModelPayload


@dataclass(frozen=True, slots=True)
class BatchScored:
    """Task `seq` scored: `rows` records, `lines` output lines; the payload follows."""

    seq: int
    rows: int
    lines: int


@dataclass(frozen=True, slots=True)
class BadRecord:
    """A record of task `seq` is malformed: `line` counts from the batch's first line."""

    seq: int
    line: int | None
    detail: str


@dataclass(frozen=True, slots=True)
class BadInput:
    """Task `seq`'s input (or, with `LOADING_MODEL`, the model file) is unusable."""

    seq: int
    message: str


@dataclass(frozen=True, slots=True)
class WorkerError:
    """Anything else went wrong on task `seq`; `trace` is the worker's traceback."""

    seq: int
    trace: str


Reply = BatchScored | BadRecord | BadInput | WorkerError
