"""What `--model GROUP[/VERSION]|PATH` means: a registry version to score with, or a file.

Every version handed out here has had its files checked against the digests recorded when it
was registered, so scoring and monitoring never use a file changed behind an approval.
"""

from __future__ import annotations

from dataclasses import dataclass

from batchops.errors import InvalidInput, NotFound
from batchops.registry.groups import list_groups
from batchops.registry.refs import is_registry_ref, parse_version_ref
from batchops.registry.status import APPROVED
from batchops.registry.values import ModelVersion
from batchops.registry.version_files import VersionFilesChanged, file_problems, verified
from batchops.registry.versions import get_version, latest_version, list_versions
from batchops.settings import current_user
from batchops.store import artifacts
from batchops.store.db import session_scope
from batchops.store.events import EventType, append_event


def approved_version(spec: str) -> ModelVersion:
    """`GROUP` -> its latest Approved version; `GROUP/VERSION` -> that version, if Approved.

    Raises `VersionFilesChanged`, naming the file, when a file no longer matches its digest.
    """
    if "/" not in spec:
        return verified(latest_version(spec, APPROVED))
    group, number = parse_version_ref(spec)
    version = get_version(group, number)
    if version.status != APPROVED:
        raise InvalidInput(
            f"model version {spec} is {version.status}, not Approved; approve it first "
            f"(batchops registry approve {spec} --reason ...)"
        )
    return verified(version)


@dataclass(frozen=True)
class Champion:
    """The approved version a newly trained one must beat, when it can be compared with."""

    version: ModelVersion | None
    problem: str = ""
    """Why the approved version is left out: its files fail their check ("" otherwise)."""


def champion(group: str, *, execution_id: str | None = None) -> Champion:
    """The group's latest Approved version, verified; none when the group has none yet.

    An approved version whose files are unusable (missing, changed since registration) is
    treated as absent rather than failing the training run that asked: retraining is exactly
    what a broken champion needs, and the new version still waits for a person's approval.
    The problem is returned (the step that asked logs it) and recorded as a
    ModelVersionUnusable event, so a rule or a person sees it.
    """
    try:
        approved = latest_version(group, APPROVED)
    except NotFound:
        return Champion(None)
    try:
        return Champion(verified(approved))
    except VersionFilesChanged as unusable:
        _report_unusable(approved, execution_id)
        return Champion(None, str(unusable))


def _report_unusable(version: ModelVersion, execution_id: str | None) -> None:
    with session_scope() as session:
        append_event(
            session,
            EventType.VERSION_UNUSABLE,
            version.group,
            version=version.version,
            new_status=version.status,
            user=current_user(),
            detail={"problems": file_problems(version), "execution_id": execution_id},
        )


def verified_version(group: str, number: int) -> ModelVersion:
    """The version, whatever its status, once its files match their recorded digests."""
    return verified(get_version(group, number))


def verify_versions(spec: str | None = None) -> dict[str, list[str]]:
    """`GROUP` or `GROUP/VERSION` (None: every version of every group, as after restoring a
    backup) -> each version's file problems (empty list: all files ok)."""
    if spec is None:
        groups = [group.name for group in list_groups()]
        return {ref: found for name in groups for ref, found in verify_versions(name).items()}
    if "/" in spec:
        versions = [get_version(*parse_version_ref(spec))]
    else:
        versions = sorted(list_versions(spec), key=lambda version: version.version)
    return {version.ref: file_problems(version) for version in versions}


def model_data_uri(spec: str) -> str:
    """The model.tar.gz to load for `spec`: an existing path or URI, else a registry reference."""
    if artifacts.exists(spec):
        return spec
    if "://" in spec or spec.endswith((".tar.gz", ".tgz")) or spec.startswith((".", "/", "~")):
        raise NotFound(f"model file not found: {spec}")
    if is_registry_ref(spec):
        return approved_version(spec).model_data_uri
    raise NotFound(f"model {spec!r} is neither an existing file nor a GROUP[/VERSION] reference")


def approved_drift_threshold() -> float:
    """The drift threshold of the model in use: the constraints of the latest approved
    version of the first group (by name) that has one; the monitor's default without one.
    What the monitoring page draws its trend lines against."""
    from batchops.monitor.constraints import DEFAULT_DRIFT_THRESHOLD
    from batchops.monitor.file_views import drift_threshold_at

    for group in list_groups():
        if group.status_counts.get(APPROVED):
            return drift_threshold_at(latest_version(group.name, APPROVED).constraints_uri)
    return DEFAULT_DRIFT_THRESHOLD
