"""Moving a home: the URIs its records store, rewritten from one root to another.

Records name files by absolute path or fsspec URL (a step's outputs, a version's model, a
log), so a home copied to another folder or machine, or an artifact store moved to another
bucket, still points at the old place until its URIs are rewritten. The tables are read by
reflection, not through the declared schema, so a home made by an older release can be
relocated before it is upgraded (an upgrade copies files from where the records say they are).

A stored string is rewritten when it is the old root or a path below it, in a column of its
own or anywhere inside a JSON value; text that merely mentions a path (a failure reason, a
description) stays as it was written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, MetaData, Table, create_engine, select, update
from sqlalchemy.engine import Connection

from batchops.errors import InvalidInput
from batchops.store.db import parse_db_url, read_json_text

_SKIPPED_TABLES = frozenset({"alembic_version"})


def relocate_uris(url: str, old_root: str, new_root: str) -> dict[str, int]:
    """Rewrite every stored URI under `old_root` to the same place under `new_root`, in one
    transaction; how many rows changed, by table (tables with none left out)."""
    old, new = _root(old_root, "old_root"), _root(new_root, "new_root")
    engine = create_engine(parse_db_url(url), json_deserializer=read_json_text)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.begin() as connection:
            changed = {
                table.name: _relocate_table(connection, table, old, new)
                for table in metadata.sorted_tables
                if table.name not in _SKIPPED_TABLES and table.primary_key.columns
            }
    finally:
        engine.dispose()
    return {name: count for name, count in changed.items() if count}


def relocated(value: Any, old_root: str, new_root: str) -> Any:
    """`value` with every string under `old_root` moved under `new_root` (lists and dicts
    walked; keys and other values kept)."""
    if isinstance(value, str):
        if value == old_root:
            return new_root
        for prefix in ("", "file://"):
            if value.startswith(f"{prefix}{old_root}/"):
                return f"{prefix}{new_root}/{value[len(prefix) + len(old_root) + 1 :]}"
        return value
    if isinstance(value, list):
        return [relocated(item, old_root, new_root) for item in value]
    if isinstance(value, dict):
        return {key: relocated(item, old_root, new_root) for key, item in value.items()}
    return value


def _root(root: str, name: str) -> str:
    cleaned = root.rstrip("/")
    if not cleaned or not (cleaned.startswith("/") or "://" in cleaned):
        raise InvalidInput(f"`{name}` {root!r} must be an absolute folder or a URL below a root")
    return cleaned


def _relocate_table(connection: Connection, table: Table, old: str, new: str) -> int:
    keys = list(table.primary_key.columns)
    columns = [c for c in table.columns if c not in keys and _may_hold_uris(c.type)]
    if not columns:
        return 0
    changes: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for row in connection.execute(select(*keys, *columns)):
        stored = row._mapping
        moved = {c.name: relocated(stored[c.name], old, new) for c in columns}
        differing = {name: v for name, v in moved.items() if v != stored[name]}
        if differing:
            changes.append(({k.name: stored[k.name] for k in keys}, differing))
    for key, values in changes:
        condition = [column == key[column.name] for column in keys]
        connection.execute(update(table).where(*condition).values(values))
    return len(changes)


def _may_hold_uris(column_type: Any) -> bool:
    if isinstance(column_type, JSON):
        return True
    try:
        return column_type.python_type is str
    except NotImplementedError:
        return False
