"""Moving a home: the URIs its records store, rewritten from old roots to new ones.

Records name files by absolute path or fsspec URL (a step's outputs, a version's model, a log,
execution parameters, event details), so a home copied to another folder or machine, or whose
files moved into a bucket (`batchops home relocate`), still points at the old place until its
URIs are rewritten. The tables are read by reflection, not through the declared schema, so a
home made by an older release can be relocated before it is upgraded (an upgrade copies files
from where the records say they are).

A stored string is rewritten when it is an old root or a path below it (`file://` URLs
included), in a column of its own or anywhere inside a JSON value; text that merely mentions a
path (a failure reason, a description) stays as it was written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import JSON, MetaData, Table, create_engine, select, update
from sqlalchemy.engine import Connection

from batchops.errors import InvalidInput
from batchops.store.db import parse_db_url, read_json_text

_SKIPPED_TABLES = frozenset({"alembic_version"})
DEFINITION_TABLES = frozenset({"pipeline_versions"})
"""Stored definitions: versioned code with a digest, which a move may leave as they are (a
new version is stored when the code says so)."""


class UriMap:
    """Old root -> new root, the longest matching root winning."""

    def __init__(self, roots: Mapping[str, str]) -> None:
        self.roots = sorted(
            ((_root(old, "old root"), _root(new, "new root")) for old, new in roots.items()),
            key=lambda pair: len(pair[0]),
            reverse=True,
        )

    def uri(self, value: str) -> str:
        """`value` under its new root, or unchanged when it lies under none of the old ones."""
        for old, new in self.roots:
            if value == old:
                return new
            for prefix in ("", "file://"):
                if value.startswith(f"{prefix}{old}/"):
                    return f"{prefix}{new}{value[len(prefix) + len(old) :]}"
        return value

    def value(self, value: Any) -> Any:
        """A stored value (text, or JSON nested any deep) with every URI in it rewritten."""
        if isinstance(value, str):
            return self.uri(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        return value


def relocate_uris(
    url: str, roots: Mapping[str, str], *, keep_tables: Iterable[str] = ()
) -> dict[str, int]:
    """Rewrite every stored URI under an old root of `roots` (old -> new) in the database at
    `url`, in one transaction; how many rows changed, by table (tables with none left out).
    `keep_tables` are left as they are."""
    mapping = UriMap(roots)
    skipped = _SKIPPED_TABLES | set(keep_tables)
    engine = create_engine(parse_db_url(url), json_deserializer=read_json_text)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.begin() as connection:
            changed = {
                table.name: _relocate_table(connection, table, mapping)
                for table in metadata.sorted_tables
                if table.name not in skipped and table.primary_key.columns
            }
    finally:
        engine.dispose()
    return {name: count for name, count in changed.items() if count}


def _root(root: str, name: str) -> str:
    cleaned = root.rstrip("/")
    if not cleaned or not (cleaned.startswith("/") or "://" in cleaned):
        raise InvalidInput(f"{name} {root!r} must be an absolute folder or a URL below a root")
    return cleaned


def _relocate_table(connection: Connection, table: Table, mapping: UriMap) -> int:
    keys = list(table.primary_key.columns)
    columns = [c for c in table.columns if c not in keys and _may_hold_uris(c.type)]
    if not columns:
        return 0
    changes: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for row in connection.execute(select(*keys, *columns)):
        stored = row._mapping
        moved = {c.name: mapping.value(stored[c.name]) for c in columns}
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
