"""The loop a transform's worker process runs: load the model once, then score batches.

Started as `python -c "...; main()" batchops.transform.worker THREADS` with tasks on stdin
and replies on stdout (see `wire`); `protocol` says what travels which way.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO

from batchops.errors import BatchopsError
from batchops.transform import wire
from batchops.transform.frames import RecordError
from batchops.transform.plan import Task
from batchops.transform.protocol import (
    LOADING_MODEL,
    BadInput,
    BadRecord,
    BatchScored,
    WorkerError,
    WorkerInit,
)
from batchops.transform.scoring import Scored, Scorer


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
        init: WorkerInit = wire.receive(tasks)
        scorer = _scorer(init)
    except (EOFError, BrokenPipeError):
        return
    except BatchopsError as exc:
        wire.send(results, BadInput(LOADING_MODEL, str(exc)))
        return
    except BaseException:
        wire.send(results, WorkerError(LOADING_MODEL, traceback.format_exc()))
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
            wire.send(results, BadRecord(task.seq, exc.line, exc.detail))
            continue
        except BatchopsError as exc:
            wire.send(results, BadInput(task.seq, str(exc)))
            continue
        except Exception:
            wire.send(results, WorkerError(task.seq, traceback.format_exc()))
            continue
        wire.send(results, BatchScored(task.seq, scored.rows, scored.lines), scored.payload)


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
