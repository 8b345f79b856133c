"""Rewriting the artifact URIs the database holds when files move to another root.

Moving a home's files (a local folder to a bucket) leaves every stored URI pointing at the old
place: step outputs, properties and logs, registered versions' files, monitoring runs,
execution parameters, event details. `rewrite_stored_uris` walks every text and JSON value
of every table and replaces a value that *is* one of the old roots, or lies below one
(`root` itself or `root/...`), with the same path under the new root. Text that merely
mentions a path (a failure reason) is left alone, and so are stored pipeline definitions:
they are versioned code with a digest, and a new version is stored when the code says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import JSON, String, Table, select, update
from sqlalchemy.orm import Session

from batchops.store.db import session_scope
from batchops.store.schema import Base, all_tables

KEPT_TABLES = frozenset({"pipeline_versions"})
"""Tables whose values are not rewritten: stored definitions are immutable, digested code."""


class UriMap:
    """Old root -> new root, the longest matching root winning."""

    def __init__(self, roots: Mapping[str, str]) -> None:
        self.roots = sorted(
            ((old.rstrip("/"), new.rstrip("/")) for old, new in roots.items() if old),
            key=lambda pair: len(pair[0]),
            reverse=True,
        )

    def uri(self, value: str) -> str:
        """`value` under its new root, or unchanged when it lies under none of the old ones."""
        for old, new in self.roots:
            if value == old or value.startswith(old + "/"):
                return new + value[len(old) :]
        return value

    def value(self, value: Any) -> Any:
        """A stored value (text, or JSON nested any deep) with every URI in it rewritten."""
        if isinstance(value, str):
            return self.uri(value)
        if isinstance(value, dict):
            return {key: self.value(inner) for key, inner in value.items()}
        if isinstance(value, list):
            return [self.value(inner) for inner in value]
        return value


def rewrite_stored_uris(roots: Mapping[str, str], session: Session | None = None) -> int:
    """Point every stored URI under an old root (`roots`: old -> new) at the new root, in one
    transaction (`session`'s, or a new one); the number of values changed."""
    if session is None:
        with session_scope() as own:
            return rewrite_stored_uris(roots, own)
    mapping = UriMap(roots)
    all_tables()
    changed = 0
    for table in Base.metadata.sorted_tables:
        if table.name not in KEPT_TABLES:
            changed += _rewrite_table(session, table, mapping)
    return changed


def _rewrite_table(session: Session, table: Table, mapping: UriMap) -> int:
    keys = list(table.primary_key.columns)
    columns = [
        column
        for column in table.columns
        if not column.primary_key and isinstance(column.type, (String, JSON))
    ]
    if not keys or not columns:
        return 0
    changed = 0
    rows = session.execute(select(*keys, *columns)).all()
    for row in rows:
        values = dict(zip([c.name for c in columns], row[len(keys) :], strict=True))
        new = {name: mapping.value(value) for name, value in values.items()}
        updates = {name: value for name, value in new.items() if value != values[name]}
        if updates:
            where = [key == row[index] for index, key in enumerate(keys)]
            session.execute(update(table).where(*where).values(**updates))
            changed += len(updates)
    return changed
