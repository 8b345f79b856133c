"""Pipelines, their versioned definitions, executions and step runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from batchops.store.schema import Base, utcnow


class PipelineRow(Base):
    __tablename__ = "pipelines"

    name: Mapped[str] = mapped_column(String(256), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The project file that manages it (`batchops apply`), and the revision that applied it.
    managed_by: Mapped[str | None] = mapped_column(String(256), default=None)
    managed_revision: Mapped[str | None] = mapped_column(String(256), default=None)


class PipelineVersionRow(Base):
    __tablename__ = "pipeline_versions"
    __table_args__ = (UniqueConstraint("pipeline_name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pipeline_name: Mapped[str] = mapped_column(ForeignKey("pipelines.name", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column()
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExecutionRow(Base):
    __tablename__ = "executions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    pipeline_name: Mapped[str] = mapped_column(ForeignKey("pipelines.name"), index=True)
    pipeline_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), index=True)
    parameters: Mapped[dict[str, Any]] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    failure_reason: Mapped[str | None] = mapped_column(Text, default=None)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(256), default="")
    # Execution control: the process running it beats here; a stop request is left here.
    runner_pid: Mapped[int | None] = mapped_column(Integer, default=None)
    runner_host: Mapped[str | None] = mapped_column(String(256), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    stop_requested_at: Mapped[datetime | None] = mapped_column(default=None)
    stop_requested_by: Mapped[str | None] = mapped_column(String(256), default=None)
    # Started by a schedule or rule: its idempotency key (unique: one start per tick or per
    # rule and event) and the chain of events that led here.
    trigger_key: Mapped[str | None] = mapped_column(
        String(512), default=None, unique=True, index=True
    )
    trigger: Mapped[dict[str, Any] | None] = mapped_column(default=None)


# One pipeline's executions newest first, a page deep, without sorting them all.
Index(
    "ix_executions_pipeline_newest",
    ExecutionRow.pipeline_name,
    ExecutionRow.started_at.desc(),
    ExecutionRow.id,
)


class StepRunRow(Base):
    __tablename__ = "step_runs"
    __table_args__ = (UniqueConstraint("execution_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    execution_id: Mapped[str] = mapped_column(
        ForeignKey("executions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(256))
    step_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    outputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    failure_reason: Mapped[str | None] = mapped_column(Text, default=None)
    cache_key: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    cached_from: Mapped[str | None] = mapped_column(String(64), default=None)
    log_uri: Mapped[str | None] = mapped_column(Text, default=None)
