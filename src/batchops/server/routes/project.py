"""A project's plan and apply on this server (`batchops plan|apply --server URL`): the
library's own functions on the server's database. Pipelines' code arrives before, each with
`PUT /api/pipelines/{name}`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel, Field

from batchops.project.apply import apply
from batchops.project.declared import Declared
from batchops.project.plan import plan
from batchops.server import response_models as models
from batchops.server.auth import requires
from batchops.server.responses import json_response
from batchops.store.tokens import Role

router = APIRouter(prefix="/api/project", tags=["projects"])


class DeclaredPipelineBody(BaseModel):
    name: str = Field(max_length=256)
    definition: dict[str, Any]
    line: int = 0


class DeclaredObjectBody(BaseModel):
    kind: Literal["schedule", "rule", "alarm"]
    name: str = Field(max_length=256)
    arguments: dict[str, Any]
    line: int = 0


class DeclaredBody(BaseModel):
    """What a project file declares (`batchops.project.declared.Declared`)."""

    project: str = Field(max_length=128)
    revision: str | None = Field(default=None, max_length=256)
    file: str = Field(default="batchops.toml", max_length=1024)
    pipelines: list[DeclaredPipelineBody] = Field(default_factory=list)
    objects: list[DeclaredObjectBody] = Field(default_factory=list)


@router.post("/plan", response_model=models.ProjectPlan, dependencies=[requires(Role.VIEWER)])
def plan_project(body: Annotated[DeclaredBody, Body()]) -> Response:
    """What apply would change, object by object, and the problems, each at its line."""
    return json_response(plan(Declared.from_json(body.model_dump())).to_json())


@router.post("/apply", response_model=models.ProjectApplied, dependencies=[requires(Role.ADMIN)])
def apply_project(body: Annotated[DeclaredBody, Body()]) -> Response:
    """Make the schedules, rules and alarms match the project, one object at a time; a
    failure midway is in `failed`/`error`, with what was applied and what was not."""
    return json_response(apply(Declared.from_json(body.model_dump())).to_json())
