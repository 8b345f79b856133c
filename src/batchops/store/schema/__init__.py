"""Tables of the metadata database, one module per concept, all on one declarative base.

Migrations (store/migrations/versions) create these tables explicitly; a test checks the
migrated schema matches these declarations.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored naive in UTC and handed back timezone-aware, on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """A timestamp as the JSON objects show it (ISO 8601 with its offset), or None."""
    return moment.isoformat() if moment else None


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads it as a class attribute)
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: UTCDateTime,
    }


def all_tables() -> DeclarativeBase:
    """Import every table module so `Base.metadata` is complete."""
    from batchops.store.schema import (  # noqa: F401
        auth,
        automation,
        effects,
        events,
        monitoring,
        pipelines,
        predictions,
        registry,
    )

    return Base()
