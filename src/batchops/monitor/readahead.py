"""Several iterators drained in background threads, their items handed to the caller's thread.

The profiling of a dataset splits this way: parsing (Arrow's CSV reader, which runs outside
the GIL) scales across threads, while folding batches into a profile is many short numpy
and Arrow calls that hold the GIL between them. Run from several threads at
once, that folding went no faster than from one (1.1x on 2 cores, the threads queueing for
the GIL), so readers run ahead in threads and one consumer folds.

Memory stays bounded: each reader waits while `depth` items are queued and not yet taken.

Order: a source is drained by one reader at a time, front to back, through one FIFO queue, so
the items of each source reach the caller in the source's own order; only how the sources
interleave depends on thread timing. Profiling relies on it: each part's summaries fold into
the part's own profile, so the profile does not depend on the timing.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

_POLL_SECONDS = 0.1
"""How often a reader blocked on a full queue looks whether the consumer has gone."""


class _Finished:
    """Put by a reader when its iterator is exhausted."""


class _Failed:
    """Put by a reader whose iterator raised: the error goes to the consumer."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Reader(Generic[T]):
    def __init__(
        self,
        sources: Sequence[Callable[[], Iterator[T]]],
        handed: queue.Queue[tuple[int, object]],
        stop: threading.Event,
    ) -> None:
        self.sources = sources
        self.handed = handed
        self.stop = stop
        self.next_source = 0
        self.lock = threading.Lock()

    def run(self) -> None:
        """Drain sources, one after another, until none is left or the consumer stops."""
        while not self.stop.is_set():
            with self.lock:
                index = self.next_source
                self.next_source += 1
            if index >= len(self.sources):
                return
            try:
                for item in self.sources[index]():
                    if not self._put(index, item):
                        return
            except BaseException as error:  # handed to the consumer, raised there
                self._put(index, _Failed(error))
                return
            self._put(index, _Finished())

    def _put(self, index: int, item: object) -> bool:
        while not self.stop.is_set():
            try:
                self.handed.put((index, item), timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False


def read_ahead(
    sources: Sequence[Callable[[], Iterator[T]]],
    threads: int,
    depth: int = 4,
    finished: Callable[[int], object] | None = None,
) -> Iterator[tuple[int, T]]:
    """Items of every source as `(source index, item)`, each source's in its own order.

    `threads` readers each drain one source at a time, taking the sources in order. An error
    raised by a source is raised here, once; the readers then stop, as they do when the caller
    stops iterating. `finished(index)` is called, in the caller's thread, once a source's last
    item has been handed out.
    """
    handed: queue.Queue[tuple[int, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    reader = _Reader(sources, handed, stop)
    workers = [
        threading.Thread(target=reader.run, name=f"batchops-reader-{n}", daemon=True)
        for n in range(max(1, min(threads, len(sources))))
    ]
    for worker in workers:
        worker.start()
    try:
        remaining = len(sources)
        while remaining:
            index, item = handed.get()
            if isinstance(item, _Finished):
                remaining -= 1
                if finished is not None:
                    finished(index)
            elif isinstance(item, _Failed):
                raise item.error
            else:
                yield index, item  # type: ignore[misc]
    finally:
        stop.set()
        for worker in workers:
            worker.join()
