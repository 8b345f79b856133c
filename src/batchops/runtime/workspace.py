"""Where a step's work happens, on this host or on a Dask worker: a folder, a log, a stop
signal, and where its outputs go."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from batchops.crashpoints import NO_CRASH, CrashPoints
from batchops.runtime.control import StopSignal
from batchops.store import artifacts, outputs


class StepFailed(Exception):
    """The step ran and failed; the message is what the user reads."""


@dataclass(frozen=True)
class StepIdentity:
    """Which step of which execution: what names its outputs and their manifests."""

    execution_id: str
    pipeline: str
    step_name: str
    step_type: str
    output_root: str
    """The step's folder in the orchestrating host's artifact store: its outputs go under it,
    wherever the work runs (a worker's own settings name no store)."""


@dataclass
class Workspace:
    """Where a step's work happens: its folder, its log, its stop signal, its outputs."""

    execution_id: str
    pipeline: str
    step_name: str
    step_type: str
    output_root: str
    work_dir: Path
    log_file: IO[str]
    stop: StopSignal = field(default_factory=StopSignal)
    crash_points: CrashPoints = NO_CRASH
    """Where a test has this runner die (batchops.crashpoints); a runner with phases of its own
    calls `crash_points.reached(...)` between them. Held on the orchestrating host only: a
    worker's workspace has none, so a point kills the runner, never a Dask worker."""

    @property
    def identity(self) -> StepIdentity:
        return StepIdentity(
            self.execution_id, self.pipeline, self.step_name, self.step_type, self.output_root
        )

    def check_stopped(self) -> None:
        """A checkpoint: raise StepStopped if the execution is being stopped (no database read)."""
        self.stop.check()

    def log(self, message: str) -> None:
        self.log_file.write(message.rstrip("\n") + "\n")
        self.log_file.flush()

    def output_uri(self, output_name: str) -> str:
        return artifacts.join(self.output_root, output_name)

    def publish(self, local_dir: Path, output_name: str, target: str | None = None) -> str:
        """Make a finished local folder the step's output `output_name` (at `target`, or
        under the execution's folder), atomically, with a manifest naming this execution
        and step written last: readers downstream trust the folder only when it matches.

        A manifest the job wrote into `local_dir` (a transform's, a monitor's) lends its
        kind, model and digests, so big outputs are not hashed twice.
        """
        known = outputs.read_manifest(local_dir)
        manifest = outputs.describe_folder(
            local_dir,
            self.step_type,
            known=known,
            execution_id=self.execution_id,
            step=self.step_name,
        )
        uri = target or self.output_uri(output_name)
        return outputs.publish_output(local_dir, uri, manifest, self.crash_points)

    def publish_to(self, local_dir: Path, output_name: str, destination: Any) -> tuple[str, str]:
        """Publish into the execution's folder first, then to a shared `destination` (an
        output's fixed `s3://` place, shared by every execution as on SageMaker: the last
        writer wins) when one is given. Returns (the execution's copy, where it is read)."""
        own = self.publish(local_dir, output_name)
        if destination is None or destination == "":
            return own, own
        return own, self.publish(local_dir, output_name, target=str(destination))
