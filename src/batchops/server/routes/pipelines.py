"""Pipelines, their definition versions and DAGs, and starting an execution."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, Field

from batchops.runtime.bundles import PipelineBundle, store_bundle
from batchops.runtime.catalog import (
    count_definition_versions,
    count_pipelines,
    definition_versions,
)
from batchops.runtime.pipelines import describe_pipeline, list_pipelines, start_pipeline
from batchops.server import response_models as models
from batchops.server.auth import Principal, requires
from batchops.server.dag import layout
from batchops.server.pagination import Limit, Offset, page
from batchops.server.responses import json_response
from batchops.settings import MAX_DESCRIPTION_CHARS
from batchops.store.executions import last_execution_by_pipeline
from batchops.store.managed import Managed
from batchops.store.tokens import Role

router = APIRouter(prefix="/api/pipelines", tags=["pipelines"])
Version = Annotated[int | None, Query(ge=1, le=1_000_000, description="Default: the latest.")]


class ManagedBy(BaseModel):
    project: str = Field(max_length=128)
    revision: str | None = Field(default=None, max_length=256)


class PipelineBundleBody(BaseModel):
    """A definition with the code files it names by `code/<sha256>/<name>`, in base64 (at
    most 8 MiB of code: runtime/bundles.py MAX_BUNDLE_BYTES)."""

    definition: dict[str, Any]
    description: str = Field(default="", max_length=MAX_DESCRIPTION_CHARS)
    code: dict[str, str] = Field(default_factory=dict)
    managed: ManagedBy | None = None


class StartRequest(BaseModel):
    parameters: dict[str, Any] = Field(default_factory=dict)
    version: int | None = Field(default=None, ge=1, le=1_000_000)


def pipelines_with_last_execution(
    limit: int | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    found = list_pipelines(limit=limit, offset=offset)
    last = last_execution_by_pipeline([p["name"] for p in found])
    return [{**p, "last_execution": last.get(p["name"])} for p in found]


@router.get(
    "", response_model=models.Page[models.PipelineItem], dependencies=[requires(Role.VIEWER)]
)
def pipelines(request: Request, limit: Limit = 50, offset: Offset = 0) -> Response:
    """Stored pipelines by name, each with its last execution."""
    found = pipelines_with_last_execution(limit, offset)
    return json_response(page(request, found, count_pipelines(), limit, offset))


@router.get(
    "/{name}", response_model=models.PipelineDefinition, dependencies=[requires(Role.VIEWER)]
)
def pipeline(name: str, version: Version = None) -> Response:
    """A definition version (default: the latest): name, version, definition."""
    return json_response(describe_pipeline(name, version))


@router.get(
    "/{name}/versions",
    response_model=models.Page[models.DefinitionVersion],
    dependencies=[requires(Role.VIEWER)],
)
def versions(request: Request, name: str, limit: Limit = 50, offset: Offset = 0) -> Response:
    """The pipeline's stored definition versions, newest first."""
    found = definition_versions(name, limit=limit, offset=offset)
    return json_response(page(request, found, count_definition_versions(name), limit, offset))


@router.get("/{name}/graph", response_model=models.Graph, dependencies=[requires(Role.VIEWER)])
def graph(name: str, version: Version = None) -> Response:
    """The DAG laid out: steps with positions, dependencies, the condition's branches."""
    return json_response(layout(describe_pipeline(name, version)["definition"]).to_json())


@router.put("/{name}", response_model=models.StoredPipeline, dependencies=[requires(Role.ADMIN)])
def store(name: str, body: Annotated[PipelineBundleBody, Body()]) -> Response:
    """Store a definition and its code (`batchops apply --server`): a new version only when
    the definition changed. Every code file must match the digest its reference names."""
    bundle = PipelineBundle.from_json(name, body.model_dump())
    managed = None if body.managed is None else Managed(**body.managed.model_dump())
    version = store_bundle(bundle, managed)
    return json_response({"name": name, "version": version})


@router.post("/{name}/executions", status_code=201, response_model=models.Execution)
def start(
    name: str,
    body: Annotated[StartRequest, Body()] = StartRequest(),
    principal: Principal = requires(Role.APPROVER),
) -> Response:
    """Start an execution in the background; its JSON object (status Executing)."""
    execution = start_pipeline(name, body.parameters, version=body.version, user=principal.user)
    return json_response(execution.record().to_json(), status_code=201)
