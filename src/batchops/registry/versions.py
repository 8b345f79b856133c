"""Model versions: registration with the next number, lookup, and the approval workflow.

A version is immutable once registered; only its status (with who, when and why) and its
description change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from batchops.crashpoints import NO_CRASH, CrashPoints, register_published
from batchops.errors import Conflict, InvalidInput, NotFound
from batchops.registry.groups import ensure_group, group_row, require_group, status_counts
from batchops.registry.refs import check_group_name
from batchops.registry.status import APPROVED, PENDING, REJECTED, check_status, status_summary
from batchops.registry.usage import delete_usages
from batchops.registry.values import ModelVersion
from batchops.registry.version_files import (
    CONSTRAINTS_FILE,
    EVALUATION_FILE,
    MODEL_FILE,
    RAW_CONSTRAINTS_FILE,
    RAW_STATISTICS_FILE,
    SCORE_DISTRIBUTION_FILE,
    STATISTICS_FILE,
    staged_files,
)
from batchops.settings import (
    MAX_DESCRIPTION_CHARS,
    MAX_REASON_CHARS,
    check_length,
    current_user,
)
from batchops.store import artifacts, events
from batchops.store.db import session_scope
from batchops.store.schema import utcnow
from batchops.store.schema.registry import ApprovalChangeRow, ModelVersionRow


def register_version(
    group: str,
    *,
    model_data_uri: str,
    inference_spec: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    metrics_uri: str | None = None,
    statistics_uri: str | None = None,
    constraints_uri: str | None = None,
    custom_metadata: dict[str, Any] | None = None,
    execution_id: str | None = None,
    step_name: str | None = None,
    description: str = "",
    status: str = PENDING,
    user: str | None = None,
    raw_statistics_uri: str | None = None,
    raw_constraints_uri: str | None = None,
    score_distribution_uri: str | None = None,
    crash_points: CrashPoints = NO_CRASH,
) -> ModelVersion:
    """Register the next version of `group` (created when missing).

    The model, evaluation and baseline files are copied into the version's own folder and
    their digests recorded; the version's URIs name those copies, so the version no longer
    depends on where the files came from.

    A pipeline step (`execution_id` and `step_name`) registers once: when an earlier attempt
    of the step (killed before its success was recorded) already registered a version, that
    version is returned and nothing new is made, so its rules do not fire twice.
    """
    fields = VersionFields.checked(
        inference_spec=inference_spec,
        metrics=metrics,
        custom_metadata=custom_metadata,
        execution_id=execution_id,
        step_name=step_name,
        description=description,
        status=status,
        user=user,
    )
    if not model_data_uri:
        raise InvalidInput("a model version needs a model data URI")
    sources = {
        MODEL_FILE: model_data_uri,
        EVALUATION_FILE: metrics_uri,
        STATISTICS_FILE: statistics_uri,
        CONSTRAINTS_FILE: constraints_uri,
        RAW_STATISTICS_FILE: raw_statistics_uri,
        RAW_CONSTRAINTS_FILE: raw_constraints_uri,
        SCORE_DISTRIBUTION_FILE: score_distribution_uri,
    }
    return register_files(check_group_name(group), sources, fields, crash_points=crash_points)


@dataclass(frozen=True)
class VersionFields:
    """A new version's fields besides its files, checked before anything is written."""

    inference_spec: dict[str, Any]
    metrics: dict[str, Any]
    custom_metadata: dict[str, Any]
    execution_id: str | None
    step_name: str | None
    description: str
    status: str
    user: str

    @classmethod
    def checked(
        cls,
        *,
        inference_spec: dict[str, Any] | None,
        metrics: dict[str, Any] | None,
        custom_metadata: dict[str, Any] | None,
        execution_id: str | None,
        step_name: str | None,
        description: str,
        status: str,
        user: str | None,
    ) -> VersionFields:
        objects = {
            "inference_spec": inference_spec or {},
            "metrics": metrics or {},
            "custom_metadata": custom_metadata or {},
        }
        for name, value in objects.items():
            if not isinstance(value, dict):
                raise InvalidInput(f"{name} must be an object, got {type(value).__name__}")
            check_json_value(value, name)
        for name, text in (("execution_id", execution_id), ("step_name", step_name)):
            if text is not None and not isinstance(text, str):
                raise InvalidInput(f"{name} must be text, got {type(text).__name__}")
        if not isinstance(description, str):
            raise InvalidInput(f"description must be text, got {type(description).__name__}")
        check_length(description, MAX_DESCRIPTION_CHARS, "the version's description")
        return cls(
            **objects,
            execution_id=execution_id,
            step_name=step_name,
            description=description,
            status=check_status(status),
            user=user or current_user(),
        )


def register_files(
    group: str,
    sources: dict[str, str | None],
    fields: VersionFields,
    *,
    expected_sha256: dict[str, str] | None = None,
    follow_symlinks: bool = True,
    crash_points: CrashPoints = NO_CRASH,
) -> ModelVersion:
    """Copy the files, then number the version, publish its folder and insert its row at once.

    The folder is renamed into place inside the transaction that holds the group's lock (so
    its number is ours) and removed again if the transaction does not commit: a failed
    registration leaves neither a folder nor a row. A killed one may leave the folder, which
    the next registration of that number replaces. The version a step already registered is
    looked for under the same lock, so two attempts of a step never both register.
    """
    with staged_files(
        group, sources, expected_sha256=expected_sha256, follow_symlinks=follow_symlinks
    ) as staged:
        published: str | None = None
        try:
            with session_scope() as session:
                row = ensure_group(session, group, fields.user)
                earlier = _registered_by_step(session, group, fields)
                if earlier is not None:
                    return _detached(session, earlier)
                row.latest_version += 1
                number = row.latest_version
                folder = artifacts.registry_version_uri(group, number)
                uris = {name: artifacts.join(folder, name) for name in staged.entries}
                version = ModelVersionRow(
                    group_name=group,
                    version=number,
                    status=fields.status,
                    description=fields.description,
                    model_data_uri=uris[MODEL_FILE],
                    inference_spec=fields.inference_spec,
                    metrics=fields.metrics,
                    metrics_uri=uris.get(EVALUATION_FILE),
                    statistics_uri=uris.get(STATISTICS_FILE),
                    constraints_uri=uris.get(CONSTRAINTS_FILE),
                    custom_metadata=fields.custom_metadata,
                    files=staged.entries,
                    execution_id=fields.execution_id,
                    step_name=fields.step_name,
                    created_by=fields.user,
                    created_at=utcnow(),
                )
                session.add(version)
                session.flush()
                session.add(
                    ApprovalChangeRow(
                        version_id=version.id,
                        from_status=None,
                        to_status=fields.status,
                        user=fields.user,
                        reason="registered",
                        at=version.created_at,
                    )
                )
                events.append_event(
                    session,
                    events.EventType.VERSION_REGISTERED,
                    group,
                    version=number,
                    new_status=fields.status,
                    user=fields.user,
                )
                registered = _detached(session, version)
                published = folder
                artifacts.publish_staged(staged.folder, folder)
                if fields.step_name:
                    crash_points.reached(register_published(fields.step_name))
            return registered
        except BaseException:
            if published is not None:
                artifacts.remove_directory(published)
            raise


def _registered_by_step(
    session: Session, group: str, fields: VersionFields
) -> ModelVersionRow | None:
    """The version an earlier attempt of this pipeline step registered, if any; one in
    another group is a Conflict (the step's group cannot change between its attempts)."""
    if not (fields.execution_id and fields.step_name):
        return None
    earlier = session.scalars(
        select(ModelVersionRow)
        .where(
            ModelVersionRow.execution_id == fields.execution_id,
            ModelVersionRow.step_name == fields.step_name,
        )
        .order_by(ModelVersionRow.id)
        .limit(1)
    ).first()
    if earlier is not None and earlier.group_name != group:
        raise Conflict(
            f"step {fields.step_name} of execution {fields.execution_id} already registered "
            f"{earlier.group_name}/{earlier.version}, not a version of {group!r}"
        )
    return earlier


def check_json_value(value: Any, where: str, limit: int = 64) -> None:
    """Refuse values JSON cannot hold, or nested deeper than `limit` (checked without recursion)."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > limit:
            raise InvalidInput(f"{where}: nested more than {limit} levels deep")
        if isinstance(item, dict):
            for key, inner in item.items():
                if not isinstance(key, str):
                    raise InvalidInput(f"{where}: keys must be text, got {key!r}")
                pending.append((inner, depth + 1))
        elif isinstance(item, list | tuple):
            pending.extend((inner, depth + 1) for inner in item)
        elif not (item is None or isinstance(item, str | int | float | bool)):
            raise InvalidInput(f"{where}: {type(item).__name__} is not a JSON value")


def get_version(group: str, version: int) -> ModelVersion:
    with session_scope() as session:
        return _detached(session, version_row(session, group, version))


def list_versions(
    group: str, status: str | None = None, *, limit: int | None = None, offset: int = 0
) -> list[ModelVersion]:
    """The group's versions, newest first, optionally of one status; `limit` and `offset`
    read one page instead of every version."""
    with session_scope() as session:
        require_group(session, group)
        return _versions(session, group, status, limit, offset)


def versions_page(
    group: str, status: str | None = None, *, limit: int, offset: int = 0
) -> tuple[list[ModelVersion], int]:
    """One page of `list_versions` and how many versions there are in all (the API's list),
    read in one transaction so the two agree."""
    table = ModelVersionRow.__table__
    with session_scope() as session:
        require_group(session, group)
        counted = select(func.count()).where(table.c.group_name == group)
        if status is not None:
            counted = counted.where(table.c.status == check_status(status))
        total = int(session.execute(counted).scalar_one())
        return _versions(session, group, status, limit, offset), total


def _versions(
    session: Session, group: str, status: str | None, limit: int | None, offset: int
) -> list[ModelVersion]:
    table = ModelVersionRow.__table__
    # plain rows of the table: a list only reads, and ORM objects cost twice as much
    query = select(table).where(table.c.group_name == group)
    if status is not None:
        query = query.where(table.c.status == check_status(status))
    query = query.order_by(table.c.version.desc()).offset(offset).limit(limit)
    return _detached_all(session, session.execute(query).all())


def latest_version(group: str, status: str | None = APPROVED) -> ModelVersion:
    """The highest-numbered version of `group` with `status` (any status when None or "any").

    The error names the statuses the group does hold, so "nothing approved yet" is obvious.
    """
    if status is not None and status.lower() == "any":
        status = None
    wanted = check_status(status) if status is not None else None
    with session_scope() as session:
        row = session.scalars(_newest_first(session, group, wanted).limit(1)).first()
        if row is None:
            held = status_summary(status_counts(session, group)) or "no versions"
            raise NotFound(
                f"model package group {group!r} has no {wanted or 'registered'} version; "
                f"it holds {held}"
            )
        return _detached(session, row)


def update_status(
    group: str, version: int, status: str, *, reason: str = "", user: str | None = None
) -> ModelVersion:
    """Move a version to `status`, recording who, when and why, and appending an event."""
    status = check_status(status)
    check_length(reason, MAX_REASON_CHARS, "the reason")
    user = user or current_user()
    with session_scope() as session:
        row = version_row(session, group, version, lock=True)
        if row.status != status:
            session.add(
                ApprovalChangeRow(
                    version_id=row.id,
                    from_status=row.status,
                    to_status=status,
                    user=user,
                    reason=reason,
                    at=utcnow(),
                )
            )
            events.append_event(
                session,
                events.EventType.STATUS_CHANGED,
                group,
                version=version,
                old_status=row.status,
                new_status=status,
                user=user,
            )
            row.status = status
        return _detached(session, row)


def approve(group: str, version: int, *, reason: str = "", user: str | None = None) -> ModelVersion:
    return update_status(group, version, APPROVED, reason=reason, user=user)


def reject(group: str, version: int, *, reason: str = "", user: str | None = None) -> ModelVersion:
    return update_status(group, version, REJECTED, reason=reason, user=user)


def update_description(group: str, version: int, description: str) -> ModelVersion:
    check_length(description, MAX_DESCRIPTION_CHARS, "the version's description")
    with session_scope() as session:
        row = version_row(session, group, version, lock=True)
        row.description = description
        return _detached(session, row)


def delete_version(
    group: str, version: int, *, force: bool = False, user: str | None = None
) -> ModelVersion:
    """Delete a version's record (its approval trail and usages with it); the deleted version.

    An Approved version may be serving: refused unless `force`. Its number is not reused.
    Its own folder (registry/<group>/<version>/, which nothing else references) goes once
    the record is gone; files it names elsewhere (a version from before folders) stay.
    """
    with session_scope() as session:
        row = version_row(session, group, version, lock=True)
        if row.status == APPROVED and not force:
            raise Conflict(
                f"model version {group}/{version} is Approved; reject it first or use `force`"
            )
        deleted = _detached(session, row)
        for change in session.scalars(
            select(ApprovalChangeRow).where(ApprovalChangeRow.version_id == row.id)
        ):
            session.delete(change)
        delete_usages(session, group, version)
        session.delete(row)
        events.append_event(
            session,
            events.EventType.VERSION_DELETED,
            group,
            version=version,
            old_status=deleted.status,
            user=user or current_user(),
        )
    artifacts.remove_directory(artifacts.registry_version_uri(group, version))
    return deleted


def versions_registered_by(execution_id: str) -> list[ModelVersion]:
    with session_scope() as session:
        rows = session.scalars(
            select(ModelVersionRow)
            .where(ModelVersionRow.execution_id == execution_id)
            .order_by(ModelVersionRow.group_name, ModelVersionRow.version)
        ).all()
        return _detached_all(session, rows)


def version_with_model(model_uri: str) -> ModelVersion | None:
    """The version whose model file is `model_uri` (a version's own copy), or None: which
    version scored a batch, when a step was handed the file rather than the reference."""
    table = ModelVersionRow.__table__
    with session_scope() as session:
        found = session.execute(
            select(table).where(table.c.model_data_uri == model_uri).limit(1)
        ).first()
        return _detached_all(session, [found])[0] if found is not None else None


def registered_uris() -> set[str]:
    """Every URI a version points at (model data, statistics, constraints, evaluation): the
    files that cleaning up old executions must keep."""
    table = ModelVersionRow.__table__.c
    with session_scope() as session:
        rows = session.execute(
            select(
                table.model_data_uri, table.statistics_uri, table.constraints_uri, table.metrics_uri
            )
        ).all()
    return {uri for row in rows for uri in row if uri}


def pending_versions(per_group: int) -> list[ModelVersion]:
    """Versions waiting for approval, the newest `per_group` of each group, groups by name:
    what the front page lists, in one query whatever the number of groups."""
    table = ModelVersionRow.__table__
    rank = (
        func.row_number()
        .over(partition_by=table.c.group_name, order_by=table.c.version.desc())
        .label("rank")
    )
    waiting = select(table, rank).where(table.c.status == PENDING).subquery()
    query = (
        select(*(waiting.c[column.name] for column in table.columns))
        .where(waiting.c.rank <= per_group)
        .order_by(waiting.c.group_name, waiting.c.version.desc())
    )
    with session_scope() as session:
        return _detached_all(session, session.execute(query).all())


def versions_numbered(group: str, numbers: Sequence[int]) -> list[ModelVersion]:
    """The group's versions of these numbers that exist, newest first (a comparison picks a
    few, wherever they are in the list)."""
    table = ModelVersionRow.__table__
    with session_scope() as session:
        require_group(session, group)
        rows = session.execute(
            select(table)
            .where(table.c.group_name == group, table.c.version.in_(list(numbers)))
            .order_by(table.c.version.desc())
        ).all()
        return _detached_all(session, rows)


def version_row(
    session: Session, group: str, version: int, *, lock: bool = False
) -> ModelVersionRow:
    latest = group_row(session, group).latest_version
    query = select(ModelVersionRow).where(
        ModelVersionRow.group_name == group, ModelVersionRow.version == version
    )
    row = session.scalars(query.with_for_update() if lock else query).first()
    if row is None:
        # Versions are numbered from 1 and never deleted, so the group's counter is the range.
        known = f"versions 1 to {latest}" if latest else "no versions"
        raise NotFound(f"model version {group}/{version} does not exist; {group!r} has {known}")
    return row


def _newest_first(session: Session, group: str, status: str | None) -> Select[ModelVersionRow]:
    """The group's versions (of `status` unless None), newest first; NotFound for no group."""
    group_row(session, group)
    query = select(ModelVersionRow).where(ModelVersionRow.group_name == group)
    if status is not None:
        query = query.where(ModelVersionRow.status == check_status(status))
    return query.order_by(ModelVersionRow.version.desc())


def _detached(session: Session, row: ModelVersionRow) -> ModelVersion:
    return _detached_all(session, [row])[0]


def _detached_all(
    session: Session, rows: Sequence[ModelVersionRow | Row[Any]]
) -> list[ModelVersion]:
    """The rows as values, with every approval history read in one query, not one per row."""
    if not rows:
        return []
    histories: dict[int, list[Row[Any]]] = {row.id: [] for row in rows}
    approvals = ApprovalChangeRow.__table__
    changes = session.execute(
        select(approvals)
        .where(approvals.c.version_id.in_(list(histories)))
        .order_by(approvals.c.id)
    )
    for change in changes:
        histories[change.version_id].append(change)
    return [ModelVersion.of(row, histories[row.id]) for row in rows]
