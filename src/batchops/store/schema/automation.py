"""What makes pipelines run themselves: schedules, event rules, alarms, their history, webhook
deliveries waiting to be sent, the scheduler's lease and its log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from batchops.store.schema import Base, utcnow


class ScheduleRow(Base):
    """`managed_by`: the project whose file declares it (`batchops apply`), if one does;
    `managed_revision`: the revision (a commit) that applied it last. So for rules and alarms."""

    __tablename__ = "schedules"

    name: Mapped[str] = mapped_column(String(256), primary_key=True)
    pipeline: Mapped[str] = mapped_column(String(256))
    cron: Mapped[str] = mapped_column(String(256))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    catch_up: Mapped[str] = mapped_column(String(16), default="skip")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    next_tick_at: Mapped[datetime] = mapped_column()
    last_tick_at: Mapped[datetime | None] = mapped_column(default=None)
    last_execution_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(256), default="")
    managed_by: Mapped[str | None] = mapped_column(String(256), default=None)
    managed_revision: Mapped[str | None] = mapped_column(String(256), default=None)


class RuleRow(Base):
    """`after_position`: the newest event when the rule was made or resumed; it sees only
    later ones."""

    __tablename__ = "event_rules"

    name: Mapped[str] = mapped_column(String(256), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    action: Mapped[str] = mapped_column(String(16))
    pipeline: Mapped[str | None] = mapped_column(String(256), default=None)
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    url: Mapped[str | None] = mapped_column(Text, default=None)
    secret_env: Mapped[str | None] = mapped_column(String(256), default=None)
    after_position: Mapped[int] = mapped_column(Integer, default=0)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(256), default="")
    managed_by: Mapped[str | None] = mapped_column(String(256), default=None)
    managed_revision: Mapped[str | None] = mapped_column(String(256), default=None)


class AlarmRow(Base):
    """`last_datapoint`: the id of the newest metric datapoint already evaluated (or passed
    over while paused)."""

    __tablename__ = "alarms"

    name: Mapped[str] = mapped_column(String(256), primary_key=True)
    metric: Mapped[str] = mapped_column(String(512))
    pipeline: Mapped[str | None] = mapped_column(String(256), default=None)
    comparison: Mapped[str] = mapped_column(String(8))
    threshold: Mapped[float] = mapped_column(Float)
    datapoints: Mapped[int] = mapped_column(Integer, default=1)
    of: Mapped[int] = mapped_column(Integer, default=1)
    url: Mapped[str | None] = mapped_column(Text, default=None)
    secret_env: Mapped[str | None] = mapped_column(String(256), default=None)
    state: Mapped[str] = mapped_column(String(32), default="INSUFFICIENT_DATA")
    state_reason: Mapped[str] = mapped_column(Text, default="")
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_datapoint: Mapped[int] = mapped_column(Integer, default=0)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(256), default="")
    managed_by: Mapped[str | None] = mapped_column(String(256), default=None)
    managed_revision: Mapped[str | None] = mapped_column(String(256), default=None)


class AutomationHistoryRow(Base):
    """One thing a schedule, rule or alarm did; `key` (unique) makes a repeat a no-op."""

    __tablename__ = "automation_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(256), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    key: Mapped[str | None] = mapped_column(String(512), default=None, unique=True, index=True)


class WebhookDeliveryRow(Base):
    """A POST to send until it succeeds or runs out of tries; every try has this id."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(256))
    url: Mapped[str] = mapped_column(Text)
    secret_env: Mapped[str | None] = mapped_column(String(256), default=None)
    body: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LeaseRow(Base):
    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(256))
    expires_at: Mapped[datetime] = mapped_column()
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)


class SchedulerLogRow(Base):
    """One line of the scheduler's log; `host` says which scheduler process wrote it, since
    every host's scheduler writes to this one table."""

    __tablename__ = "scheduler_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    host: Mapped[str] = mapped_column(String(256), default="")
