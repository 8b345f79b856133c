"""Crash points: named places where a test has a process die as `kill -9` would leave it.

Production code never looks for them in the environment. A process honours the points it is
handed: the scheduler as an argument (`Scheduler(crash_points=...)`, `run_once`,
`run_forever`), an execution's runner as an argument (`start_execution`, `retry_execution`,
`run_execution`) or, in a background runner, on its launcher's command line
(`python -m batchops.runtime.launcher ID --crash-at POINT`); each passes them on to the
runners it starts, so a point crosses process boundaries. Tests set them through their own
entry point (`tests/support/crashing.py`). At a point it holds, a process sends itself
SIGKILL: no `finally`, no exit handler, nothing more recorded.

The points, by where the process is:
- `scheduler.after-decide`: a schedule's or rule's start is recorded (the execution, with its
  trigger key), the run not begun.
- `step.started:STEP`: the step is recorded Executing, its runner not called yet.
- `step.ran:STEP`: the step's runner returned, its success not recorded yet.
- `register.published:STEP`: RegisterModel put the new version's folder in place; the version's
  row (its approval entry and ModelVersionRegistered event) not committed yet.
- `register.committed:STEP`: the version is committed; its metric datapoints not yet.
- `output.files:STEP`: a step output's files are in place and, in an object store, the
  manifest that seals them not written yet (a local folder moves in with its manifest).

Runners reach their own points through `StepContext.crash_points`; a new point is a pattern
added to `POINTS` beside a `reached` call.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterable
from dataclasses import dataclass

from batchops.errors import InvalidInput

SCHEDULER_AFTER_DECIDE = "scheduler.after-decide"
POINTS = (
    re.escape(SCHEDULER_AFTER_DECIDE),
    r"step\.started:[A-Za-z0-9][A-Za-z0-9_\-]*",
    r"step\.ran:[A-Za-z0-9][A-Za-z0-9_\-]*",
    r"register\.published:[A-Za-z0-9][A-Za-z0-9_\-]*",
    r"register\.committed:[A-Za-z0-9][A-Za-z0-9_\-]*",
    r"output\.files:[A-Za-z0-9][A-Za-z0-9_\-]*",
)
"""The point names a process accepts, as patterns (`STEP` a step's name)."""
OPTION = "--crash-at"
"""The launcher's command-line option, given once per point."""


def step_started(step: str) -> str:
    return f"step.started:{step}"


def step_ran(step: str) -> str:
    return f"step.ran:{step}"


def register_published(step: str) -> str:
    return f"register.published:{step}"


def register_committed(step: str) -> str:
    return f"register.committed:{step}"


def output_files(step: str) -> str:
    return f"output.files:{step}"


@dataclass(frozen=True)
class CrashPoints:
    """The points at which this process dies; none by default."""

    points: frozenset[str] = frozenset()

    @classmethod
    def of(cls, points: Iterable[str]) -> CrashPoints:
        """Points by name; a name no pattern of `POINTS` matches is InvalidInput (a typo
        would otherwise make a crash test pass without crashing)."""
        named = frozenset(points)
        unknown = sorted(p for p in named if not any(re.fullmatch(k, p) for k in POINTS))
        if unknown:
            raise InvalidInput(
                f"unknown crash point {', '.join(unknown)}; points: "
                f"{SCHEDULER_AFTER_DECIDE}, step.started:STEP, step.ran:STEP, "
                "register.published:STEP, register.committed:STEP, output.files:STEP"
            )
        return cls(named)

    def reached(self, point: str) -> None:
        """Die here, as a killed process would, if this is one of the points."""
        if point in self.points:
            os.kill(os.getpid(), signal.SIGKILL)

    def arguments(self) -> list[str]:
        """The points on a launcher's command line."""
        return [part for point in sorted(self.points) for part in (OPTION, point)]


NO_CRASH = CrashPoints()
