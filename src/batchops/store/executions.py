"""Execution and step-run rows in the metadata database, read out as `ExecutionRecord`s.

The runtime writes them; the registry (lineage), the CLI and the server read them here, below
both, so reading an execution never imports the runtime that runs it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from batchops.errors import Conflict, InvalidInput, NotFound
from batchops.settings import get_settings
from batchops.store.abbreviate import abbreviate
from batchops.store.db import reads_are_deferred, session_scope, write_scope
from batchops.store.events import EventType, append_event
from batchops.store.execution_records import ExecutionRecord, no_such_step
from batchops.store.metric_names import EXECUTION_DURATION, EXECUTION_FAILED
from batchops.store.metrics import add_metrics
from batchops.store.schema import iso, utcnow
from batchops.store.schema.pipelines import ExecutionRow, StepRunRow
from batchops.store.statuses import ExecutionStatus, StepStatus
from batchops.store.step_effects import forget_execution


def new_execution_id() -> str:
    return uuid.uuid4().hex[:12]


def create_execution(
    pipeline: str,
    version: int,
    parameters: dict[str, Any],
    steps: dict[str, str],
    user: str,
    *,
    trigger_key: str | None = None,
    trigger: dict[str, Any] | None = None,
) -> str:
    """Record a new execution. With `trigger_key` (a schedule's tick, a rule and its event)
    a second execution for the same key is a Conflict: the key is the decision to start, kept
    in the same transaction as the execution, so a scheduler that dies right after it cannot
    start the run again."""
    execution_id = new_execution_id()
    try:
        with session_scope() as session:
            _add_execution(
                session,
                execution_id,
                pipeline,
                version,
                parameters,
                steps,
                user,
                trigger_key,
                trigger,
            )
    except IntegrityError as error:
        existing = execution_for_trigger(trigger_key) if trigger_key else None
        if existing is None:
            raise
        raise Conflict(f"{trigger_key} already started execution {existing}") from error
    return execution_id


def execution_for_trigger(trigger_key: str) -> str | None:
    """The execution started for this idempotency key, if any."""
    with session_scope() as session:
        return session.scalar(
            select(ExecutionRow.id).where(ExecutionRow.trigger_key == trigger_key)
        )


def newest_failure_for_triggers(prefix: str) -> dict[str, Any] | None:
    """The newest failed execution whose idempotency key starts with `prefix` (a rule's or a
    schedule's, `rule:NAME:`): its id, when it ended and why; None when none failed."""
    with session_scope() as session:
        row = session.execute(
            select(ExecutionRow.id, ExecutionRow.ended_at, ExecutionRow.failure_reason)
            .where(
                ExecutionRow.trigger_key.startswith(prefix, autoescape=True),
                ExecutionRow.status == ExecutionStatus.FAILED,
            )
            .order_by(ExecutionRow.started_at.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    return {"at": iso(row.ended_at), "execution_id": row.id, "reason": row.failure_reason or ""}


def _add_execution(
    session: Session,
    execution_id: str,
    pipeline: str,
    version: int,
    parameters: dict[str, Any],
    steps: dict[str, str],
    user: str,
    trigger_key: str | None,
    trigger: dict[str, Any] | None,
) -> None:
    session.add(
        ExecutionRow(
            id=execution_id,
            pipeline_name=pipeline,
            pipeline_version=version,
            status=ExecutionStatus.EXECUTING,
            parameters=parameters,
            created_by=user,
            heartbeat_at=utcnow(),  # the runner has the heartbeat timeout to start
            trigger_key=trigger_key,
            trigger=trigger,
        )
    )
    session.flush()
    for name, step_type in steps.items():
        session.add(
            StepRunRow(
                execution_id=execution_id,
                name=name,
                step_type=step_type,
                status=StepStatus.PENDING,
            )
        )


def _current_row(session: Session, execution_id: str) -> ExecutionRow:
    """The execution's row, after marking it Failed if its runner stopped beating."""
    fail_unresponsive(session, execution_id)
    row = session.get(ExecutionRow, execution_id)
    if row is None:
        raise NotFound(f"unknown execution {execution_id!r}")
    return row


def get_execution_row(execution_id: str) -> ExecutionRow:
    with session_scope() as session:
        row = _current_row(session, execution_id)
        session.expunge(row)
        return row


def step_rows(execution_id: str) -> list[StepRunRow]:
    with session_scope() as session:
        rows = session.scalars(
            select(StepRunRow)
            .where(StepRunRow.execution_id == execution_id)
            .order_by(StepRunRow.id)
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def update_step(execution_id: str, name: str, **fields: Any) -> None:
    fields = _bounded(fields)
    with session_scope() as session:
        row = session.scalar(
            select(StepRunRow).where(
                StepRunRow.execution_id == execution_id, StepRunRow.name == name
            )
        )
        if row is None:
            names = session.scalars(
                select(StepRunRow.name)
                .where(StepRunRow.execution_id == execution_id)
                .order_by(StepRunRow.id)
            ).all()
            raise no_such_step(execution_id, name, names)
        for key, value in fields.items():
            setattr(row, key, value)


def _bounded(fields: dict[str, Any]) -> dict[str, Any]:
    """A failure reason may quote what failed (a whole parameter, a long path): it is kept
    abbreviated, as the lists and the event log show it."""
    if fields.get("failure_reason"):
        fields["failure_reason"] = abbreviate(fields["failure_reason"])
    return fields


def update_execution(execution_id: str, **fields: Any) -> None:
    fields = _bounded(fields)
    with session_scope() as session:
        row = session.get(ExecutionRow, execution_id)
        if row is None:
            raise NotFound(f"unknown execution {execution_id!r}")
        before = row.status
        for key, value in fields.items():
            setattr(row, key, value)
        if row.status != before:
            _status_changed(session, row)


def _status_changed(session: Session, row: ExecutionRow) -> None:
    """The one place an execution's end is announced: ExecutionStatusChanged in the log and
    its duration and outcome as metric datapoints, in the transaction that writes the status."""
    status = ExecutionStatus(row.status)
    if not status.is_terminal:
        return
    session.flush()
    trigger = row.trigger or {}
    append_event(
        session,
        EventType.EXECUTION_STATUS_CHANGED,
        user=row.created_by,
        new_status=status,
        detail={
            "pipeline": row.pipeline_name,
            "status": str(status),
            "execution_id": row.id,
            "failure_reason": row.failure_reason,
            "chain": list(trigger.get("chain", [])),
        },
    )
    add_metrics(
        session,
        f"execution:{row.id}",
        {
            EXECUTION_DURATION: duration_seconds(row.started_at, row.ended_at),
            EXECUTION_FAILED: 1.0 if status is ExecutionStatus.FAILED else 0.0,
        },
        execution_id=row.id,
    )


def reset_for_retry(execution_id: str) -> int:
    """Put every step that did not succeed back to Pending; return the new attempt number."""
    with session_scope() as session:
        row = session.get(ExecutionRow, execution_id)
        if row is None:
            raise NotFound(f"unknown execution {execution_id!r}")
        row.attempt += 1
        row.status = ExecutionStatus.EXECUTING
        row.ended_at = None
        row.failure_reason = None
        row.heartbeat_at = utcnow()
        row.runner_pid = row.runner_host = None
        row.stop_requested_at = row.stop_requested_by = None
        for step in session.scalars(
            select(StepRunRow).where(StepRunRow.execution_id == execution_id)
        ):
            if step.status != StepStatus.SUCCEEDED:
                step.status = StepStatus.PENDING
                step.failure_reason = None
                step.started_at = None
                step.ended_at = None
        return row.attempt


def find_cached_run(
    pipeline: str, cache_key: str, not_before: datetime | None
) -> StepRunRow | None:
    with session_scope() as session:
        query = (
            select(StepRunRow)
            .join(ExecutionRow, ExecutionRow.id == StepRunRow.execution_id)
            .where(
                ExecutionRow.pipeline_name == pipeline,
                StepRunRow.cache_key == cache_key,
                StepRunRow.status == StepStatus.SUCCEEDED,
            )
            .order_by(StepRunRow.ended_at.desc())
        )
        if not_before is not None:
            query = query.where(StepRunRow.ended_at >= not_before)
        row = session.scalars(query.limit(1)).first()
        if row is not None:
            session.expunge(row)
        return row


def execution_record(execution_id: str) -> ExecutionRecord:
    """The execution and its steps, read in one session (the API and the page call it a lot)."""
    with session_scope() as session:
        row = _current_row(session, execution_id)
        steps = session.execute(
            select(StepRunRow.__table__)
            .where(StepRunRow.execution_id == execution_id)
            .order_by(StepRunRow.id)
        ).all()
        return ExecutionRecord.of(row, steps)


def execution_json(execution_id: str) -> dict[str, Any]:
    """The execution's JSON object: what `execution describe --json` and the API show."""
    return execution_record(execution_id).to_json()


def execution_records(
    execution_ids: Sequence[str], step_types: Collection[str] | None = None
) -> dict[str, ExecutionRecord]:
    """Several executions by id, in two queries (lists of runs on the page); with
    `step_types`, only the steps of those types (a list of checks needs no other step)."""
    with session_scope() as session:
        fail_unresponsive(session)
        # plain rows: the objects are only read, and ORM objects cost twice as much each
        rows = session.execute(
            select(ExecutionRow.__table__).where(ExecutionRow.id.in_(execution_ids))
        )
        found = {row.id: row for row in rows}
        steps: dict[str, list[Row[Any]]] = {key: [] for key in found}
        query = select(StepRunRow.__table__).where(StepRunRow.execution_id.in_(list(found)))
        if step_types is not None:
            query = query.where(StepRunRow.step_type.in_([str(t) for t in step_types]))
        for step in session.execute(query.order_by(StepRunRow.id)):
            steps[step.execution_id].append(step)
        return {key: ExecutionRecord.of(row, steps[key]) for key, row in found.items()}


def duration_seconds(started_at: datetime, ended_at: datetime | None) -> float:
    """Start to end, or to now while it runs."""
    return ((ended_at or utcnow()) - started_at).total_seconds()


def list_executions(
    pipeline: str | None = None, limit: int = 50, status: str | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    """Executions newest first, optionally of one pipeline and one status; `offset` pages.
    Long texts are abbreviated, so a page stays small whatever was stored."""
    if status is not None:
        status = _check_status(status)
    with session_scope() as session:
        fail_unresponsive(session)
        table = ExecutionRow.__table__.c  # plain rows: a list only reads, so no ORM objects
        query = (
            select(
                table.id,
                table.pipeline_name,
                table.pipeline_version,
                table.status,
                table.parameters,
                table.started_at,
                table.ended_at,
                table.failure_reason,
            )
            .order_by(table.started_at.desc(), table.id)
            .offset(offset)
            .limit(limit)
        )
        if pipeline:
            query = query.where(table.pipeline_name == pipeline)
        if status:
            query = query.where(table.status == status)
        rows = session.execute(query).all()
    return [
        {
            "id": r.id,
            "pipeline": r.pipeline_name,
            "pipeline_version": r.pipeline_version,
            "status": r.status,
            "parameters": abbreviate(r.parameters),
            "started_at": iso(r.started_at),
            "ended_at": iso(r.ended_at),
            "duration_seconds": round(duration_seconds(r.started_at, r.ended_at), 3),
            "failure_reason": abbreviate(r.failure_reason),
        }
        for r in rows
    ]


def count_executions(pipeline: str | None = None, status: str | None = None) -> int:
    """How many executions `list_executions` pages through with the same filters."""
    query = select(func.count()).select_from(ExecutionRow)
    if pipeline:
        query = query.where(ExecutionRow.pipeline_name == pipeline)
    if status:
        query = query.where(ExecutionRow.status == _check_status(status))
    with session_scope() as session:
        return int(session.scalar(query) or 0)


def executions_by_status() -> list[tuple[str, str, int]]:
    """`(pipeline, status, how many executions)` for every pair that has any."""
    with session_scope() as session:
        rows = session.execute(
            select(ExecutionRow.pipeline_name, ExecutionRow.status, func.count()).group_by(
                ExecutionRow.pipeline_name, ExecutionRow.status
            )
        ).all()
    return [(pipeline, status, int(count)) for pipeline, status, count in rows]


def last_execution_by_pipeline(
    pipelines: Sequence[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Each pipeline's newest execution (id, status, started_at), in one query; of the
    named pipelines only, when given (one page of a list)."""
    newest_of = select(ExecutionRow.pipeline_name, func.max(ExecutionRow.started_at).label("at"))
    if pipelines is not None:
        newest_of = newest_of.where(ExecutionRow.pipeline_name.in_(list(pipelines)))
    newest = newest_of.group_by(ExecutionRow.pipeline_name).subquery()
    query = select(
        ExecutionRow.pipeline_name, ExecutionRow.id, ExecutionRow.status, ExecutionRow.started_at
    ).join(
        newest,
        (ExecutionRow.pipeline_name == newest.c.pipeline_name)
        & (ExecutionRow.started_at == newest.c.at),
    )
    with session_scope() as session:
        fail_unresponsive(session)
        return {
            r.pipeline_name: {"id": r.id, "status": r.status, "started_at": iso(r.started_at)}
            for r in session.execute(query)
        }


def _check_status(status: str) -> ExecutionStatus:
    for member in ExecutionStatus:
        if member.lower() == status.lower():
            return member
    known = ", ".join(ExecutionStatus)
    raise InvalidInput(f"unknown execution status {status!r}; one of: {known}")


# --- execution control: runner heartbeats, stop requests, dead runners ----------------------


def claim_runner(execution_id: str, pid: int, host: str) -> None:
    """Record which process runs the execution now, and its first heartbeat."""
    update_execution(execution_id, runner_pid=pid, runner_host=host, heartbeat_at=utcnow())


def poll_runner(execution_id: str, *, beat: bool) -> str | None:
    """Who asked the execution to stop (None: nobody); with `beat`, record the runner alive."""
    with session_scope() as session:
        row = session.get(ExecutionRow, execution_id)
        if row is None:
            raise NotFound(f"unknown execution {execution_id!r}")
        if beat and row.status == ExecutionStatus.EXECUTING:
            row.heartbeat_at = utcnow()
        return row.stop_requested_by


def request_stop(execution_id: str, user: str) -> bool:
    """Leave a stop request for the runner; False when it is already Stopped (nothing to do).

    An execution that ended otherwise is a Conflict: there is nothing left to stop.
    """
    with session_scope() as session:
        row = _current_row(session, execution_id)
        if row.status == ExecutionStatus.STOPPED:
            return False
        if row.status != ExecutionStatus.EXECUTING:
            raise Conflict(
                f"execution {execution_id} already ended {row.status}; there is nothing to stop"
            )
        if row.stop_requested_at is None:
            row.stop_requested_at = utcnow()
            row.stop_requested_by = user
        return True


SWEEP_INTERVAL = 1.0
"""Seconds between two sweeps for dead runners by one server process: against a heartbeat
timeout of a minute the delay is nothing, and a busy server's reads skip a query each."""

_last_sweep: dict[str, float] = {}


def fail_unresponsive(session: Session, execution_id: str | None = None) -> list[str]:
    """Mark Failed each Executing execution whose runner stopped beating; their ids.

    Called by every read of executions, so a runner killed by kill -9 or a reboot shows as
    Failed (and can be retried) to the next person who looks, on the CLI or the server.
    Where reads are deferred (the server's GET requests), the marking is a write transaction
    of its own, made before `session` reads anything, so it neither meets a lock taken
    meanwhile nor leaves `session` a snapshot from before it; there one sweep of every
    execution serves all reads within `SWEEP_INTERVAL`.
    """
    if not reads_are_deferred():
        return _mark_unresponsive(session, execution_id)
    database = get_settings().db_url
    now = time.monotonic()
    if now - _last_sweep.get(database, -SWEEP_INTERVAL) < SWEEP_INTERVAL:
        return []
    _last_sweep[database] = now
    with session_scope() as reading:
        if not _unresponsive(reading, None):
            return []
    with write_scope() as writing:
        return _mark_unresponsive(writing, None)


def _unresponsive(session: Session, execution_id: str | None) -> list[ExecutionRow]:
    timeout = timedelta(seconds=get_settings().heartbeat_timeout)
    query = select(ExecutionRow).where(ExecutionRow.status == ExecutionStatus.EXECUTING)
    if execution_id is not None:
        query = query.where(ExecutionRow.id == execution_id)
    now = utcnow()
    return [
        row
        for row in session.scalars(query)
        if now - (row.heartbeat_at or row.started_at) > timeout
    ]


def _mark_unresponsive(session: Session, execution_id: str | None) -> list[str]:
    now = utcnow()
    expired = []
    for row in _unresponsive(session, execution_id):
        last = row.heartbeat_at or row.started_at
        reason = f"the runner stopped responding: no heartbeat since {last.isoformat()}"
        if row.runner_pid is not None:
            reason += f" (pid {row.runner_pid} on {row.runner_host})"
        row.status = ExecutionStatus.FAILED
        row.ended_at = now
        row.failure_reason = reason
        _status_changed(session, row)
        for step in session.scalars(
            select(StepRunRow).where(
                StepRunRow.execution_id == row.id, StepRunRow.status == StepStatus.EXECUTING
            )
        ):
            step.status = StepStatus.FAILED
            step.ended_at = now
            step.failure_reason = reason
        expired.append(row.id)
    if expired:
        session.flush()
    return expired


def delete_execution_rows(execution_id: str) -> ExecutionRow:
    """Delete an execution and its step runs; an Executing one is refused. The row deleted."""
    with session_scope() as session:
        row = _current_row(session, execution_id)
        if row.status == ExecutionStatus.EXECUTING:
            raise Conflict(
                f"execution {execution_id} is Executing; stop it first "
                f"(batchops execution stop {execution_id})"
            )
        # One statement for the step runs, before the execution: deleted one by one, the
        # unit of work may delete the execution first, whose cascade leaves SQLAlchemy's
        # own step deletes matching nothing (a SAWarning on every delete).
        session.execute(delete(StepRunRow).where(StepRunRow.execution_id == execution_id))
        forget_execution(session, execution_id)
        session.delete(row)
        session.flush()
        session.expunge(row)
        return row


def ended_before(cutoff: datetime) -> list[ExecutionRow]:
    """Executions that ended (any final status) before `cutoff`, oldest first."""
    with session_scope() as session:
        fail_unresponsive(session)
        rows = session.scalars(
            select(ExecutionRow)
            .where(ExecutionRow.status != ExecutionStatus.EXECUTING)
            .where(ExecutionRow.ended_at < cutoff)
            .order_by(ExecutionRow.ended_at)
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def now() -> datetime:
    return utcnow()
