"""Peak memory of a process tree, for the benchmarks: the main process and every worker it
starts (forkserver and pool workers are not children that `RUSAGE_CHILDREN` would count)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path


class TreeMemory:
    """Peak summed RSS of a process and all its descendants, sampled from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(self.pid))
            time.sleep(0.02)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _tree_rss(root: int) -> int:
    """RSS of `root` and its descendants, walking /proc/PID/task/TID/children (cheap enough
    to sample often without taking CPU from the processes measured)."""
    page = os.sysconf("SC_PAGE_SIZE")
    total, frontier = 0, [root]
    while frontier:
        pid = frontier.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
            for task in Path(f"/proc/{pid}/task").iterdir():
                frontier.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total
