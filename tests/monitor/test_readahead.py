"""Sources drained in reader threads: every item once, in order per source, errors surfaced."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from batchops.monitor.readahead import read_ahead


def _counting(start: int, count: int) -> Iterator[int]:
    yield from range(start, start + count)


def test_every_item_arrives_once_in_its_source_order() -> None:
    sources = [lambda n=n: _counting(1000 * n, 50 + n) for n in range(5)]
    seen: dict[int, list[int]] = {}
    for index, item in read_ahead(sources, threads=2, depth=3):
        seen.setdefault(index, []).append(item)
    assert seen == {n: list(range(1000 * n, 1000 * n + 50 + n)) for n in range(5)}


def test_each_source_is_reported_finished_once_after_its_last_item() -> None:
    sources = [lambda n=n: _counting(1000 * n, 20 * n) for n in range(6)]  # source 0: empty
    handed: dict[int, int] = {}
    finished: list[int] = []

    def finish(index: int) -> None:
        assert threading.current_thread() is threading.main_thread()
        assert handed.get(index, 0) == 20 * index  # all its items came first
        finished.append(index)

    for index, _ in read_ahead(sources, threads=2, depth=2, finished=finish):
        assert index not in finished
        handed[index] = handed.get(index, 0) + 1
    assert sorted(finished) == list(range(6))


def test_a_source_that_fails_raises_its_error_in_the_caller() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("line 7: malformed row")

    with pytest.raises(ValueError, match="line 7: malformed row"):
        for _ in read_ahead([lambda: _counting(0, 10), failing], threads=2):
            pass


def test_readers_stop_when_the_caller_stops_early() -> None:
    produced = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    def readers() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name.startswith("batchops-reader")]

    for _, item in read_ahead([endless, endless], threads=2, depth=2):
        if item == 5:
            assert readers()
            break
    deadline = time.monotonic() + 5
    while readers() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not readers()  # no reader left running
    assert len(produced) < 100  # bounded read-ahead: readers waited for the caller
