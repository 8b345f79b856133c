"""A Dask worker's C heap kept while a data task runs, and handed back to the system after.

Dask's nanny starts workers with `MALLOC_TRIM_THRESHOLD_=65536` so that freed memory goes
back to the system at once (its memory monitor then sees what the worker really holds). With
any such variable set, glibc also stops raising its mmap threshold as it does by default, so
every numpy array above 128 KiB is a fresh mmap, page-faulted in and unmapped when freed. A
profiling task makes many such temporaries per batch: in a worker it spent 1.7x the CPU time
the same part took in a process without the variable (175,000 page faults against 1,500).

`kept_heap` lifts both thresholds while a task runs, so that freed arrays are reused as in a
normal process, and afterwards puts back the thresholds the environment asked for and trims
the heap: between tasks the worker holds no more than Dask's setting lets it. Nothing changes
where the environment sets no threshold (glibc's defaults adapt already) or outside glibc.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
"""mallopt's parameter numbers (malloc.h)."""

KEPT_BYTES = 32 << 20
"""Thresholds while a task runs: the largest mmap threshold glibc allows on 64-bit (arrays
of a profiled block are a few MiB; larger ones still come from mmap)."""

_DEFAULT_MMAP_THRESHOLD = 128 << 10
"""glibc's mmap threshold before it adapts (it no longer adapts once one is set)."""

_FIXED_BY_ENVIRONMENT = (
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TOP_PAD_",
    "MALLOC_MMAP_MAX_",
)
"""Any of these turns glibc's adaptive mmap threshold off for the process."""

_lock = threading.Lock()
_running = 0
"""Tasks of this process inside `kept_heap` (a worker may run several threads)."""


@contextmanager
def kept_heap() -> Iterator[None]:
    """Freed memory stays in this process's heap while the block runs (see the module)."""
    libc = _glibc() if _thresholds_fixed() else None
    if libc is None:
        yield
        return
    global _running
    with _lock:
        if _running == 0:
            libc.mallopt(_M_MMAP_THRESHOLD, KEPT_BYTES)
            libc.mallopt(_M_TRIM_THRESHOLD, KEPT_BYTES)
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                libc.mallopt(_M_TRIM_THRESHOLD, _environment_bytes("MALLOC_TRIM_THRESHOLD_"))
                libc.mallopt(
                    _M_MMAP_THRESHOLD,
                    _environment_bytes("MALLOC_MMAP_THRESHOLD_", _DEFAULT_MMAP_THRESHOLD),
                )
                libc.malloc_trim(0)


def _thresholds_fixed() -> bool:
    return any(name in os.environ for name in _FIXED_BY_ENVIRONMENT)


def _environment_bytes(name: str, default: int = _DEFAULT_MMAP_THRESHOLD) -> int:
    try:
        return int(os.environ[name])
    except (KeyError, ValueError):
        return default


@cache
def _glibc() -> ctypes.CDLL | None:
    """glibc, looked up once; None elsewhere (musl, macOS, Windows)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018 (glibc's own: the mallopt numbers are glibc's)
        libc.mallopt  # noqa: B018
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc
