"""The event log: one append-only table read in order by position, and consumers' positions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from batchops.store.schema import Base, utcnow


class EventRow(Base):
    """`id` is the position; `detail` carries the fields a type adds to the common ones."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    group_name: Mapped[str | None] = mapped_column(String(256), default=None, index=True)
    version: Mapped[int | None] = mapped_column(Integer, default=None)
    old_status: Mapped[str | None] = mapped_column(String(32), default=None)
    new_status: Mapped[str | None] = mapped_column(String(32), default=None)
    user: Mapped[str] = mapped_column(String(256), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    detail: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class EventConsumerRow(Base):
    __tablename__ = "event_consumers"

    name: Mapped[str] = mapped_column(String(256), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
