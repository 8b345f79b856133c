"""The loop a transform's worker process runs: load the model once, then score batches.

Started as `python -c "...; main()" batchops.transform.worker THREADS` with tasks on stdin
and results on stdout (see `wire`). Messages back, one per task, in task order:
  ("ok", seq, rows, lines) followed by the payload bytes,
  ("record", seq, line_offset, detail)   bad input at a record of the batch,
  ("input", seq, message)                bad input found by this batch,
  ("failed", seq, traceback)             anything else;
seq is -1 when loading the model failed ("input": a bad model file, "failed": anything else).
The end of stdin means there is no more work.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO

from batchops.errors import BatchopsError
from batchops.transform import wire
from batchops.transform.plan import Task
from batchops.transform.records import RecordError
from batchops.transform.scoring import JobSpec, Scored, Scorer


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


def main() -> None:
    # Ctrl-C is the main process's to handle: it stops the workers and cleans up.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threads = int(sys.argv[-1])
    # Results get their own copy of stdout; whatever a library prints goes to stderr instead
    # of corrupting them.
    results = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin.buffer, results, threads)
    # Every result is sent and flushed: skip the interpreter's slow teardown of thread
    # pools and modules, which the caller would otherwise wait for.
    sys.stderr.flush()
    os._exit(0)


def serve(tasks: IO[bytes], results: IO[bytes], threads: int) -> None:
    """Score tasks on `threads` threads at once, sending results in task order.

    Each batch is scored single-threaded (parsing and XGBoost release the GIL), so the
    reading, scoring and formatting of neighbouring batches overlap. Results go out from
    their own thread, so a finished batch never waits for the next task to arrive.
    """
    try:
        _warm_up()
        init = wire.receive(tasks)
        scorer = _scorer(init)
    except (EOFError, BrokenPipeError):
        return
    except BatchopsError as exc:
        wire.send(results, ("input", -1, str(exc)))
        return
    except BaseException:
        wire.send(results, ("failed", -1, traceback.format_exc()))
        return

    pending: queue.Queue[tuple[Task, Future[Scored]] | None] = queue.Queue()
    sender = threading.Thread(target=_send_in_order, args=(pending, results), daemon=True)
    sender.start()
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        while True:
            try:
                task = wire.receive(tasks)
            except EOFError:
                break
            pending.put((task, pool.submit(scorer.run, task)))
    pending.put(None)
    sender.join()


def _send_in_order(
    pending: queue.Queue[tuple[Task, Future[Scored]] | None], results: IO[bytes]
) -> None:
    while (item := pending.get()) is not None:
        task, future = item
        try:
            scored = future.result()
        except RecordError as exc:
            wire.send(results, ("record", task.seq, exc.line, exc.detail))
            continue
        except BatchopsError as exc:
            wire.send(results, ("input", task.seq, str(exc)))
            continue
        except Exception:
            wire.send(results, ("failed", task.seq, traceback.format_exc()))
            continue
        wire.send(results, ("ok", task.seq, scored.rows, scored.lines), scored.payload)


def _warm_up() -> None:
    """Import the heavy libraries now, while the main process is still planning."""
    import numpy  # noqa: F401
    import polars  # noqa: F401
    import xgboost  # noqa: F401


def _scorer(init: WorkerInit) -> Scorer:
    from batchops.models import flavor
    from batchops.models.manifest import ModelManifest

    manifest = ModelManifest.from_json(init.model.manifest_json)
    module = flavor(manifest.loader, init.model.source)
    model = module.load(init.model.model_bytes, manifest, init.model.source)
    model.set_threads(1)
    return Scorer(init.job, model)
