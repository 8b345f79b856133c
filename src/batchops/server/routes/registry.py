"""The model registry: groups, versions (the objects of `registry describe --json`),
approval with a reason, lineage, files, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from batchops import registry as library
from batchops.registry.groups import count_groups
from batchops.registry.versions import versions_page
from batchops.server import response_models as models
from batchops.server.auth import Principal, requires
from batchops.server.files import open_recorded, version_files
from batchops.server.pagination import Limit, Offset, page
from batchops.server.responses import json_response
from batchops.store.tokens import Role

router = APIRouter(prefix="/api/registry", tags=["registry"])
Number = Annotated[int, Path(ge=1, le=2_000_000_000)]


class Decision(BaseModel):
    reason: str = Field(default="", max_length=2000)


@router.get(
    "/groups", response_model=models.Page[models.ModelGroup], dependencies=[requires(Role.VIEWER)]
)
def groups(request: Request, limit: Limit = 50, offset: Offset = 0) -> Response:
    """Model package groups with how many versions of each status they hold."""
    found = [g.to_json() for g in library.list_groups(limit=limit, offset=offset)]
    return json_response(page(request, found, count_groups(), limit, offset))


@router.get(
    "/groups/{group}", response_model=models.ModelGroup, dependencies=[requires(Role.VIEWER)]
)
def group(group: str) -> Response:
    return json_response(library.get_group(group).to_json())


@router.delete("/groups/{group}", response_model=models.Deleted)
def delete_group(group: str, principal: Principal = requires(Role.ADMIN)) -> Response:
    """Delete an empty group (409 while it holds versions)."""
    library.delete_group(group, user=principal.user)
    return json_response({"deleted": group})


@router.get(
    "/groups/{group}/versions",
    response_model=models.Page[models.ModelVersion],
    dependencies=[requires(Role.VIEWER)],
)
def versions(
    request: Request,
    group: str,
    status: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    """The group's versions newest first, optionally of one status."""
    found, total = versions_page(group, status, limit=limit, offset=offset)
    return json_response(page(request, [v.to_json() for v in found], total, limit, offset))


@router.get(
    "/groups/{group}/versions/{version}",
    response_model=models.ModelVersion,
    dependencies=[requires(Role.VIEWER)],
)
def version(group: str, version: Number) -> Response:
    return json_response(library.get_version(group, version).to_json())


@router.post("/groups/{group}/versions/{version}/approve", response_model=models.ModelVersion)
def approve(
    group: str,
    version: Number,
    body: Annotated[Decision, Body()] = Decision(),
    principal: Principal = requires(Role.APPROVER),
) -> Response:
    """Approve, recording the caller and the reason; approving an Approved one changes nothing."""
    approved = library.approve(group, version, reason=body.reason, user=principal.user)
    return json_response(approved.to_json())


@router.post("/groups/{group}/versions/{version}/reject", response_model=models.ModelVersion)
def reject(
    group: str,
    version: Number,
    body: Annotated[Decision, Body()] = Decision(),
    principal: Principal = requires(Role.APPROVER),
) -> Response:
    rejected = library.reject(group, version, reason=body.reason, user=principal.user)
    return json_response(rejected.to_json())


@router.delete("/groups/{group}/versions/{version}", response_model=models.ModelVersion)
def delete_version(
    group: str,
    version: Number,
    force: bool = False,
    principal: Principal = requires(Role.ADMIN),
) -> Response:
    """Delete a version's record and own folder; an Approved one only with force."""
    from batchops.registry.versions import delete_version as delete

    return json_response(delete(group, version, force=force, user=principal.user).to_json())


@router.get(
    "/groups/{group}/versions/{version}/lineage",
    response_model=models.VersionLineage,
    dependencies=[requires(Role.VIEWER)],
)
def lineage(group: str, version: Number) -> Response:
    return json_response(library.version_lineage(group, version))


@router.get(
    "/groups/{group}/versions/{version}/statistics",
    response_model=list[models.StatisticsRow],
    dependencies=[requires(Role.VIEWER)],
)
def statistics(group: str, version: Number) -> Response:
    """The version's baseline statistics as rows (type, completeness, mean, std, ...)."""
    from batchops.monitor.file_views import statistics_rows
    from batchops.runtime.summary import baseline_column_labels

    found = library.get_version(group, version)
    labels = baseline_column_labels(found.model_data_uri, found.statistics_uri)
    return json_response(statistics_rows(found.statistics_uri, labels))


@router.get(
    "/groups/{group}/versions/{version}/files/{name}",
    dependencies=[requires(Role.VIEWER)],
    response_class=FileResponse,
    responses=models.FILE,
)
def file(group: str, version: Number, name: str) -> Response:
    """One of the version's own files, by name (model.tar.gz, evaluation.json, ...)."""
    found = version_files(library.get_version(group, version))
    return open_recorded(found, name, f"model version {group}/{version}")
