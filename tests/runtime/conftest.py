"""Runtime tests run real `batchops` processes on a pipeline module of their own."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from support.napper import Napper


@pytest.fixture
def napper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Napper]:
    # The napping script and the test talk through a host folder (its pid, the release
    # file), which a private root hides: these tests run steps in place. Stopping a step
    # in a private root is tested in test_sandbox.py.
    monkeypatch.setenv("BATCHOPS_SANDBOX", "off")
    folder = tmp_path / "code"
    folder.mkdir()
    inherited = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(folder), *filter(None, [inherited])]))
    made = Napper(folder)
    yield made
    made.release()  # a nap left behind (its runner killed) wakes up and ends
    if made.pid_file.exists():
        with suppress(ProcessLookupError, ValueError):
            os.kill(int(made.pid_file.read_text()), signal.SIGKILL)
