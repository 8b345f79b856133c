"""`batchops home relocate`: a local home's files moved to an object store, every digest checked.

A home that grew on one machine keeps its files under the home: the artifact folder (step
outputs, registered versions' files), the execution logs of releases that wrote them under
`<home>/logs`, and the example's generated data under `<home>/examples`. Relocating copies
each of them to its place under the new root (logs to the layout `runtime.step_logs` uses),
checks every copy against its source by sha256, then rewrites the stored URIs in one
transaction, and checks every registered version's files and every output folder's manifest
at the new place. Nothing is written to the database before every copy is verified, and a
file already at the new place is only accepted when its bytes are the same: a registered
version's file elsewhere is never overwritten. The local files stay until the user removes
them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from batchops.errors import Conflict, EnvironmentProblem, InvalidInput, NotFound
from batchops.registry import list_groups, list_versions
from batchops.registry.version_files import file_problems
from batchops.runtime.step_logs import RUNNER_LOG, log_folder_uri
from batchops.settings import get_settings
from batchops.store import artifacts, executions, outputs
from batchops.store.relocation import DEFINITION_TABLES, UriMap, relocate_uris
from batchops.store.statuses import ExecutionStatus

Progress = Callable[[str], None]


@dataclass
class Relocation:
    """What a relocation copied, rewrote and verified."""

    source: str
    target: str
    files: int = 0
    bytes: int = 0
    already_there: int = 0
    rewritten: int = 0
    versions: int = 0
    outputs: int = 0
    partial_outputs: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)


def relocate_home(target: str, progress: Progress | None = None) -> Relocation:
    """Copy this home's files to the object store at `target` and point the database there."""
    say = progress or (lambda message: None)
    settings = get_settings()
    source = settings.artifacts
    if not artifacts.is_local(source):
        raise InvalidInput(
            f"BATCHOPS_ARTIFACTS is {artifacts.shown(source)} already; relocate moves a home "
            "whose artifacts are local files"
        )
    if artifacts.is_local(target):
        raise InvalidInput(
            f"--artifacts {target}: give an object store URL such as s3://bucket/prefix"
        )
    target = target.rstrip("/")
    artifacts.require_usable(target)
    _refuse_while_running()
    mapping = _roots(settings.home, source, target)
    plan = _plan(mapping)
    _refuse_broken_versions()
    result = Relocation(source, target)
    say(f"copying {len(plan)} file(s) to {artifacts.shown(target)}")
    digests = _copy_verified(plan, result)
    changed = relocate_uris(settings.db_url, mapping.roots_by_old, keep_tables=DEFINITION_TABLES)
    result.rewritten = sum(changed.values())
    say(f"rewrote the stored URIs of {result.rewritten} record(s)")
    result.versions = _verify_versions()
    _verify_manifests(plan, digests, result)
    return result


def _refuse_while_running() -> None:
    running = executions.list_executions(status=ExecutionStatus.EXECUTING, limit=5)
    if running:
        names = ", ".join(row["id"] for row in running)
        raise Conflict(
            f"executions are running ({names}); relocate when nothing runs (stop the servers "
            "and schedulers using this home first)"
        )


@dataclass
class _Roots:
    map: UriMap
    roots_by_old: dict[str, str]


def _roots(home: Path, source: str, target: str) -> _Roots:
    """Each local root of the home's files -> its place under `target`."""
    artifact_root = str(artifacts.local_path(source))
    moved = UriMap({artifact_root: target})
    roots = {artifact_root: target, str(home / "examples"): artifacts.join(target, "examples")}
    logs = home / "logs"
    for folder in sorted(logs.iterdir()) if logs.is_dir() else []:
        if not folder.is_dir():
            continue  # the scheduler's log of earlier releases stays with its host
        try:
            pipeline = executions.get_execution_row(folder.name).pipeline_name
        except NotFound:
            continue  # logs of an execution deleted since
        place = moved.uri(log_folder_uri(pipeline, folder.name))
        roots[str(folder)] = place
        roots[str(folder / "launcher.log")] = artifacts.join(place, RUNNER_LOG)
    return _Roots(UriMap(roots), roots)


def _plan(mapping: _Roots) -> list[tuple[Path, str]]:
    """(local file, its URI at the new root) for every file under an old root; hidden names
    (temporary files and staging folders of writes that never finished) are left out."""
    plan: dict[Path, str] = {}
    for old in mapping.roots_by_old:
        top = Path(old)
        if not top.is_dir():
            continue
        for folder, dirs, names in os.walk(top):
            dirs[:] = [name for name in dirs if not name.startswith(".")]
            for name in names:
                if not name.startswith("."):
                    path = Path(folder) / name
                    plan[path] = mapping.map.uri(str(path))
    return sorted(plan.items())


def _refuse_broken_versions() -> None:
    _, problems = _version_problems()
    if problems:
        raise InvalidInput(
            "registered versions whose files do not match their digests cannot be relocated: "
            + " | ".join(problems[:5])
            + "; see batchops registry verify"
        )


def _version_problems() -> tuple[int, list[str]]:
    """How many versions there are, and each broken one's problems, read where the database
    says their files are."""
    versions = [v for group in list_groups() for v in list_versions(group.name)]
    problems = [
        f"{version.ref}: {'; '.join(found)}"
        for version in versions
        if (found := file_problems(version))
    ]
    return len(versions), problems


def _copy_verified(plan: list[tuple[Path, str]], result: Relocation) -> dict[str, str]:
    """Upload each file unless the same bytes are there; every copy read back and compared.
    A different file at a planned place is a Conflict before anything is uploaded."""
    sources = {uri: artifacts.file_digest(path)[0] for path, uri in plan}
    present = {uri for _, uri in plan if artifacts.exists(uri)}
    clashes = [uri for uri in sorted(present) if artifacts.file_digest(uri)[0] != sources[uri]]
    if clashes:
        raise Conflict(
            f"{len(clashes)} file(s) at the new place differ from this home's, e.g. "
            f"{artifacts.shown(clashes[0])}; relocate into an empty prefix"
        )
    for path, uri in plan:
        if uri in present:
            result.already_there += 1
            continue
        artifacts.upload_file(path, uri)
        copied, size = artifacts.file_digest(uri)
        if copied != sources[uri]:
            raise EnvironmentProblem(
                f"{artifacts.shown(uri)}: the copy's sha256 {copied} differs from "
                f"{path}'s {sources[uri]}; nothing was changed in the database, run it again"
            )
        result.files += 1
        result.bytes += size
    return sources


def _verify_versions() -> int:
    count, problems = _version_problems()
    if problems:
        raise EnvironmentProblem(
            "after relocating, versions' files do not match: " + " | ".join(problems[:5])
        )
    return count


def _verify_manifests(
    plan: list[tuple[Path, str]], digests: dict[str, str], result: Relocation
) -> None:
    """Every output folder's manifest against the verified copies' digests (no new reads);
    a folder that was incomplete at home is reported as such, as it was."""
    for _, uri in plan:
        if not uri.endswith("/" + outputs.MANIFEST_NAME):
            continue
        folder = uri[: -len(outputs.MANIFEST_NAME) - 1]
        manifest = outputs.Manifest.from_json(json.loads(artifacts.read_bytes(uri)), uri)
        whole = manifest.complete and all(
            digests.get(artifacts.join(folder, entry.name)) == entry.sha256
            for entry in manifest.files
        )
        if whole:
            result.outputs += 1
        else:
            result.partial_outputs.append(folder)
