"""A step's process ended by a signal is reported by the step's name and the signal's."""

from __future__ import annotations

from pathlib import Path

from batchops.pipeline import Pipeline, ProcessingStep

KILL_MYSELF = """
import os, signal, sys
print("about to be killed", file=sys.stderr, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_step_killed_by_a_signal_says_so(tmp_path: Path) -> None:
    script = tmp_path / "kill.py"
    script.write_text(KILL_MYSELF)
    pipeline = Pipeline("killed", [], [ProcessingStep("TrainModel", code=script)])
    described = pipeline.start(wait=True).describe()
    assert described["status"] == "Failed"
    reason = described["failure_reason"]
    assert "TrainModel was killed by SIGKILL" in reason, reason
    assert "about to be killed" in reason
    assert "exited with code -9" not in reason
