"""The stored pipeline catalogue: versioned definitions, a new version only when one changes.

It belongs to the runtime, which executes stored definitions; `Pipeline.upsert()` reaches it
through the one declared upward seam (see docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batchops.errors import NotFound
from batchops.pipeline.pipeline import definition_digest
from batchops.store.code_snapshots import CodeSnapshot, save_snapshot
from batchops.store.db import session_scope, write_scope
from batchops.store.managed import Managed, managed_json, managed_of
from batchops.store.schema import utcnow
from batchops.store.schema.pipelines import PipelineRow, PipelineVersionRow


def upsert_definition(
    name: str,
    definition: dict[str, Any],
    description: str = "",
    *,
    code: Iterable[CodeSnapshot] = (),
    managed: Managed | None = None,
) -> int:
    """Store `definition` as `name`'s next version unless it equals the latest; its version.

    `code` (the scripts it names by digest) is kept in the artifact store first, so a stored
    definition never names code the store lacks. `managed` (from `batchops apply`) is written
    with a new version, and on a pipeline no project managed yet."""
    for snapshot in code:
        save_snapshot(snapshot)
    digest = definition_digest(definition)
    with session_scope() as session:  # most calls find it stored: a read, never waiting
        stored = _latest(session, name)
        unchanged = stored is not None and stored[1] == digest
        if stored is not None and unchanged and (managed is None or stored[2] is not None):
            return stored[0]
    with write_scope() as session:  # a write, even from a command that otherwise reads
        row = session.get(PipelineRow, name)
        if row is None:
            row = PipelineRow(name=name, description=description, latest_version=0)
            session.add(row)
            session.flush()
        else:
            latest = session.scalar(
                select(PipelineVersionRow).where(
                    PipelineVersionRow.pipeline_name == name,
                    PipelineVersionRow.version == row.latest_version,
                )
            )
            if latest is not None and latest.digest == digest:
                if managed is not None and row.managed_by is None:
                    managed.write(row)
                return row.latest_version
        if managed is not None:
            managed.write(row)
        row.latest_version += 1
        row.updated_at = utcnow()
        row.description = description or row.description
        session.add(
            PipelineVersionRow(
                pipeline_name=name, version=row.latest_version, definition=definition, digest=digest
            )
        )
        return row.latest_version


def _latest(session: Session, name: str) -> tuple[int, str, str | None] | None:
    """The pipeline's latest version, its definition's digest and the project managing it,
    if it is stored."""
    found = session.execute(
        select(PipelineRow.latest_version, PipelineVersionRow.digest, PipelineRow.managed_by)
        .join(
            PipelineVersionRow,
            (PipelineVersionRow.pipeline_name == PipelineRow.name)
            & (PipelineVersionRow.version == PipelineRow.latest_version),
        )
        .where(PipelineRow.name == name)
    ).first()
    return None if found is None else (found[0], found[1], found[2])


@dataclass(frozen=True)
class StoredPipeline:
    """What `batchops plan` compares a declared pipeline with."""

    name: str
    version: int
    digest: str
    managed: Managed | None


def pipeline_managed_by(name: str) -> Managed | None:
    """The project file managing the pipeline (None: stored by hand or by a package)."""
    with session_scope() as session:
        row = session.get(PipelineRow, name)
        return None if row is None else managed_of(row)


def stored_pipelines() -> dict[str, StoredPipeline]:
    """Every stored pipeline's latest version and digest, and who manages it, by name."""
    with session_scope() as session:
        rows = session.execute(
            select(PipelineRow, PipelineVersionRow.digest).join(
                PipelineVersionRow,
                (PipelineVersionRow.pipeline_name == PipelineRow.name)
                & (PipelineVersionRow.version == PipelineRow.latest_version),
            )
        ).all()
        return {
            row.name: StoredPipeline(row.name, row.latest_version, digest, managed_of(row))
            for row, digest in rows
        }


def get_definition(name: str, version: int | None = None) -> tuple[int, dict[str, Any]]:
    with session_scope() as session:
        row = session.get(PipelineRow, name)
        if row is None:
            known = session.scalars(select(PipelineRow.name).order_by(PipelineRow.name)).all()
            raise NotFound(
                f"unknown pipeline {name!r}; known pipelines: {', '.join(known) or 'none'}"
            )
        wanted = version or row.latest_version
        stored = session.scalar(
            select(PipelineVersionRow).where(
                PipelineVersionRow.pipeline_name == name, PipelineVersionRow.version == wanted
            )
        )
        if stored is None:
            raise NotFound(f"pipeline {name!r} has no version {wanted}")
        return wanted, stored.definition


def list_pipelines(*, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    """Stored pipelines by name; `limit` and `offset` read one page."""
    query = select(PipelineRow).order_by(PipelineRow.name).offset(offset).limit(limit)
    with session_scope() as session:
        rows = session.scalars(query).all()
        return [
            {
                "name": r.name,
                "description": r.description,
                "latest_version": r.latest_version,
                "created_at": r.created_at.isoformat(),
                "updated_at": r.updated_at.isoformat(),
                "managed": managed_json(managed_of(r)),
            }
            for r in rows
        ]


def count_pipelines() -> int:
    with session_scope() as session:
        return int(session.scalar(select(func.count()).select_from(PipelineRow)) or 0)


def definition_versions(
    name: str, *, limit: int | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    """A pipeline's stored definition versions, newest first: version, digest, created_at;
    `limit` and `offset` read one page."""
    get_definition(name)  # NotFound names the known pipelines
    with session_scope() as session:
        rows = session.execute(
            select(
                PipelineVersionRow.version, PipelineVersionRow.digest, PipelineVersionRow.created_at
            )
            .where(PipelineVersionRow.pipeline_name == name)
            .order_by(PipelineVersionRow.version.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return [
            {"version": v, "digest": d, "created_at": c.isoformat() if c else None}
            for v, d, c in rows
        ]


def count_definition_versions(name: str) -> int:
    """How many definition versions `definition_versions` pages through (NotFound for an
    unknown pipeline)."""
    get_definition(name)
    with session_scope() as session:
        counted = select(func.count()).where(PipelineVersionRow.pipeline_name == name)
        return int(session.scalar(counted) or 0)
