"""Model package groups: the named shelves that versions are registered onto."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from batchops.errors import Conflict, NotFound
from batchops.registry.refs import check_group_name
from batchops.registry.status import status_summary
from batchops.registry.values import ModelGroup
from batchops.settings import current_user
from batchops.store import events
from batchops.store.db import session_scope
from batchops.store.schema import utcnow
from batchops.store.schema.registry import ModelGroupRow, ModelVersionRow


def create_group(name: str, description: str = "", user: str | None = None) -> ModelGroup:
    check_group_name(name)
    with session_scope() as session:
        if session.get(ModelGroupRow, name) is not None:
            raise Conflict(f"model package group {name!r} already exists")
        _insert(session, name, description, user or current_user())
    return get_group(name)


def ensure_group(session: Session, name: str, user: str) -> ModelGroupRow:
    """The group's row, locked for this transaction, created when missing (as RegisterModel does).

    Locking the group row serialises version numbering on PostgreSQL; on SQLite the write
    transaction already holds the database lock.
    """
    check_group_name(name)
    row = session.get(ModelGroupRow, name, with_for_update=True, populate_existing=True)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            _insert(session, name, "", user)
    except IntegrityError:
        pass  # another process created it a moment ago
    row = session.get(ModelGroupRow, name, with_for_update=True, populate_existing=True)
    assert row is not None
    return row


def get_group(name: str) -> ModelGroup:
    with session_scope() as session:
        row = group_row(session, name)
        return ModelGroup.of(row, status_counts(session, name))


def list_groups(*, limit: int | None = None, offset: int = 0) -> list[ModelGroup]:
    """Groups by name with their versions counted by status; `limit` and `offset` read one
    page. Two queries, however many groups."""
    with session_scope() as session:
        rows = session.scalars(
            select(ModelGroupRow).order_by(ModelGroupRow.name).offset(offset).limit(limit)
        ).all()
        counts = _status_counts_of(session, [row.name for row in rows])
        return [ModelGroup.of(row, counts.get(row.name, {})) for row in rows]


def count_groups() -> int:
    """How many groups `list_groups` pages through."""
    with session_scope() as session:
        return int(session.scalar(select(func.count()).select_from(ModelGroupRow)) or 0)


def delete_group(name: str, user: str | None = None) -> None:
    """Delete an empty group; a group holding versions is refused, so no model is lost."""
    with session_scope() as session:
        row = group_row(session, name)
        counts = status_counts(session, name)
        if counts:
            held = status_summary(counts)
            raise Conflict(f"model package group {name!r} is not empty ({held}); not deleted")
        session.delete(row)
        events.append_event(
            session, events.EventType.GROUP_DELETED, name, user=user or current_user()
        )


def _insert(session: Session, name: str, description: str, user: str) -> None:
    session.add(
        ModelGroupRow(
            name=name,
            description=description,
            latest_version=0,
            created_by=user,
            created_at=utcnow(),
        )
    )
    session.flush()
    events.append_event(session, events.EventType.GROUP_CREATED, name, user=user)


def group_row(session: Session, name: str) -> ModelGroupRow:
    """The group's row; NotFound names the groups there are, so a typo is easy to see."""
    row = session.get(ModelGroupRow, check_group_name(name))
    if row is None:
        raise _unknown_group(session, name)
    return row


def require_group(session: Session, name: str) -> None:
    """NotFound, as `group_row` says it, unless the group exists: for reads that only need
    to know (loading the row through the ORM cost more than the list read after it)."""
    table = ModelGroupRow.__table__
    found = session.execute(select(table.c.name).where(table.c.name == check_group_name(name)))
    if found.first() is None:
        raise _unknown_group(session, name)


def _unknown_group(session: Session, name: str) -> NotFound:
    known = session.scalars(select(ModelGroupRow.name).order_by(ModelGroupRow.name)).all()
    hint = f"; groups: {', '.join(known)}" if known else "; the registry has no groups yet"
    return NotFound(f"model package group {name!r} does not exist{hint}")


def status_counts(session: Session, name: str) -> dict[str, int]:
    return _status_counts_of(session, [name]).get(name, {})


def _status_counts_of(session: Session, names: list[str]) -> dict[str, dict[str, int]]:
    """Group -> status -> how many versions, for the named groups (those with versions)."""
    if not names:
        return {}
    table = ModelVersionRow.__table__.c
    rows = session.execute(
        select(table.group_name, table.status, func.count())
        .where(table.group_name.in_(names))
        .group_by(table.group_name, table.status)
        .order_by(table.group_name, table.status)
    )
    found: dict[str, dict[str, int]] = {}
    for group, status, count in rows:
        found.setdefault(group, {})[status] = count
    return found
