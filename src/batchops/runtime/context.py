"""What a step runner is handed: its arguments' resolver, a working folder, a log, output URIs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from batchops.crashpoints import NO_CRASH, CrashPoints
from batchops.pipeline.references import ResolutionContext, decode, resolve
from batchops.runtime.control import StopSignal
from batchops.store import artifacts, outputs

if TYPE_CHECKING:
    from batchops.pipeline.graph import StepNode


class StepFailed(Exception):
    """The step ran and failed; the message is what the user reads."""


@dataclass
class StepOutcome:
    properties: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class StepContext:
    execution_id: str
    pipeline: str
    step_name: str
    step_type: str
    work_dir: Path
    log_file: IO[str]
    resolution: ResolutionContext
    stop: StopSignal = field(default_factory=StopSignal)
    crash_points: CrashPoints = NO_CRASH
    """Where a test has this runner die (batchops.crashpoints); a runner with phases of its own
    calls `crash_points.reached(...)` between them."""
    _arguments: Any = field(default=None, repr=False, init=False)

    def arguments(self, node: StepNode) -> Any:
        """The step's arguments as plain values, resolved once per run: the executor records
        them and keys the cache on them, and the runner reads the very same values (a
        reference such as a property file is not read twice, nor can it change between)."""
        if self._arguments is None:
            self._arguments = self.resolve(node.arguments)
        return self._arguments

    def check_stopped(self) -> None:
        """A checkpoint: raise StepStopped if the execution is being stopped (no database read)."""
        self.stop.check()

    def resolve(self, value: Any) -> Any:
        """Plain values for a definition fragment (references in their JSON form included)."""
        return resolve(decode(value), self.resolution)

    def log(self, message: str) -> None:
        self.log_file.write(message.rstrip("\n") + "\n")
        self.log_file.flush()

    def output_uri(self, output_name: str) -> str:
        return artifacts.step_output_uri(
            self.pipeline, self.execution_id, self.step_name, output_name
        )

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
        return outputs.publish_output(local_dir, target or self.output_uri(output_name), manifest)


def flag(value: Any) -> bool:
    """A boolean argument as resolved: a Boolean parameter, or text such as "true" or "1"."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)
