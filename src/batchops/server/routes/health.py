"""Liveness and Prometheus figures."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from batchops import __version__
from batchops.server.auth import public, requires
from batchops.server.response_models import TEXT, Health
from batchops.store.tokens import Role

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, dependencies=[public()])
def healthz() -> dict[str, Any]:
    """The server answers and its database opens."""
    from batchops.store.db import get_engine

    get_engine()
    return {"status": "ok", "version": __version__}


@router.get(
    "/metrics", dependencies=[requires(Role.VIEWER)], response_class=Response, responses=TEXT
)
async def metrics(request: Request) -> Response:
    """Prometheus text format: executions, step durations, transform rows, drift per feature."""
    from batchops.server.prometheus import exposition

    body, content_type = await run_in_threadpool(exposition, request.app.state.collectors)
    return Response(body, media_type=content_type)
