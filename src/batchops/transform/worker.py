"""The loop a transform's worker process runs: load the model once, then score batches.

Messages back to the main process, one per task, in task order:
  ("ok", seq, rows, lines) followed by the payload bytes,
  ("record", seq, line_offset, detail)   bad input at a record of the batch,
  ("input", seq, message)                bad input found by this batch,
  ("failed", seq, traceback)             anything else (seq is -1 when loading failed).
"""

from __future__ import annotations

import os
import signal
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection

from batchops.errors import BatchopsError
from batchops.transform.records import RecordError
from batchops.transform.scoring import JobSpec, Scorer


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


def worker_main(tasks: Connection, results: Connection, threads: int) -> None:
    # Ctrl-C is the main process's to handle: it stops the workers and cleans up.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Before polars or XGBoost start their thread pools: one worker per core by default.
    os.environ["POLARS_MAX_THREADS"] = str(threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)
    try:
        _warm_up()
        init = tasks.recv()
        if init is None:
            return
        scorer = _scorer(init, threads)
    except (EOFError, OSError):
        return
    except BatchopsError as exc:
        results.send(("input", -1, str(exc)))
        return
    except BaseException:
        results.send(("failed", -1, traceback.format_exc()))
        return

    while True:
        try:
            task = tasks.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            scored = scorer.run(task)
        except RecordError as exc:
            results.send(("record", task.seq, exc.line, exc.detail))
            continue
        except BatchopsError as exc:
            results.send(("input", task.seq, str(exc)))
            continue
        except Exception:
            results.send(("failed", task.seq, traceback.format_exc()))
            continue
        results.send(("ok", task.seq, scored.rows, scored.lines))
        results.send_bytes(scored.payload)


def _warm_up() -> None:
    """Import the heavy libraries now, while the main process is still planning."""
    import numpy  # noqa: F401
    import polars  # noqa: F401
    import pyarrow.csv  # noqa: F401
    import xgboost  # noqa: F401

    from batchops.transform import scoring  # noqa: F401


def _scorer(init: WorkerInit, threads: int) -> Scorer:
    import importlib

    from batchops.models.manifest import ModelManifest

    manifest = ModelManifest.from_json(init.model.manifest_json)
    model = importlib.import_module(manifest.loader).load(
        init.model.model_bytes, manifest, init.model.source
    )
    model.set_threads(threads)
    return Scorer(init.job, model)
