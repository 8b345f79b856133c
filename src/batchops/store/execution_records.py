"""An execution and its steps as the store hands them out: frozen values, detached from the
database session, read by attribute across the layers (the summary, the server's routes and
pages, the CLI). `to_json()` is the object of `execution describe --json` and of the API,
made where the CLI prints and the API answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from batchops.errors import NotFound
from batchops.store.schema import iso, utcnow
from batchops.store.schema.pipelines import ExecutionRow, StepRunRow
from batchops.store.statuses import ExecutionStatus, StepStatus


@dataclass(frozen=True)
class StepRecord:
    """One step of an execution: what it was given, what it recorded, how it ended."""

    name: str
    type: str
    status: StepStatus
    started_at: datetime | None
    ended_at: datetime | None
    attempt: int
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    properties: dict[str, Any]
    failure_reason: str | None
    cached_from: str | None
    log_uri: str | None

    @classmethod
    def of(cls, row: StepRunRow | Row[Any]) -> StepRecord:
        return cls(
            name=row.name,
            type=row.step_type,
            status=StepStatus(row.status),
            started_at=row.started_at,
            ended_at=row.ended_at,
            attempt=row.attempt,
            inputs=row.inputs or {},
            outputs=row.outputs or {},
            properties=row.properties or {},
            failure_reason=row.failure_reason,
            cached_from=row.cached_from,
            log_uri=row.log_uri,
        )

    @property
    def duration_seconds(self) -> float | None:
        """Start to end (or to now while it runs); None for a step that never started."""
        return _seconds(self.started_at, self.ended_at)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "status": self.status,
            "started_at": iso(self.started_at),
            "ended_at": iso(self.ended_at),
            "attempt": self.attempt,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "properties": self.properties,
            "failure_reason": self.failure_reason,
            "cached_from": self.cached_from,
            "log_uri": self.log_uri,
        }


@dataclass(frozen=True)
class RunnerRecord:
    """The process that runs (or last ran) the execution, and its last heartbeat."""

    pid: int
    host: str | None
    heartbeat_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {"pid": self.pid, "host": self.host, "heartbeat_at": iso(self.heartbeat_at)}


def _seconds(started_at: datetime | None, ended_at: datetime | None) -> float | None:
    if started_at is None:
        return None
    return ((ended_at or utcnow()) - started_at).total_seconds()


def no_such_step(execution_id: str, step: str, names: Sequence[str]) -> NotFound:
    """The one answer to a step an execution does not have, naming the steps it has."""
    return NotFound(f"execution {execution_id} has no step {step!r}; steps: {', '.join(names)}")


@dataclass(frozen=True)
class ExecutionRecord:
    """One run of a stored pipeline version, with its steps in the order they were recorded."""

    id: str
    pipeline: str
    pipeline_version: int
    status: ExecutionStatus
    parameters: dict[str, Any]
    started_at: datetime
    ended_at: datetime | None
    failure_reason: str | None
    attempt: int
    created_by: str
    trigger: dict[str, Any] | None
    runner: RunnerRecord | None
    stop_requested_at: datetime | None
    stop_requested_by: str | None
    steps: tuple[StepRecord, ...]

    @classmethod
    def of(
        cls, row: ExecutionRow | Row[Any], steps: Sequence[StepRunRow | Row[Any]]
    ) -> ExecutionRecord:
        runner = (
            RunnerRecord(row.runner_pid, row.runner_host, row.heartbeat_at)
            if row.runner_pid is not None
            else None
        )
        return cls(
            id=row.id,
            pipeline=row.pipeline_name,
            pipeline_version=row.pipeline_version,
            status=ExecutionStatus(row.status),
            parameters=row.parameters,
            started_at=row.started_at,
            ended_at=row.ended_at,
            failure_reason=row.failure_reason,
            attempt=row.attempt,
            created_by=row.created_by,
            trigger=row.trigger,
            runner=runner,
            stop_requested_at=row.stop_requested_at,
            stop_requested_by=row.stop_requested_by,
            steps=tuple(StepRecord.of(step) for step in steps),
        )

    @property
    def duration_seconds(self) -> float:
        """Start to end, or to now while it runs."""
        return _seconds(self.started_at, self.ended_at) or 0.0

    def step(self, name: str) -> StepRecord:
        """The step called `name`; NotFound names the steps the execution has."""
        for step in self.steps:
            if step.name == name:
                return step
        raise no_such_step(self.id, name, [s.name for s in self.steps])

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "pipeline": self.pipeline,
            "pipeline_version": self.pipeline_version,
            "status": self.status,
            "parameters": self.parameters,
            "started_at": iso(self.started_at),
            "ended_at": iso(self.ended_at),
            "failure_reason": self.failure_reason,
            "attempt": self.attempt,
            "created_by": self.created_by,
            "trigger": self.trigger,
            "runner": self.runner.to_json() if self.runner else None,
            "stop_requested_at": iso(self.stop_requested_at),
            "stop_requested_by": self.stop_requested_by,
            "steps": [step.to_json() for step in self.steps],
        }
