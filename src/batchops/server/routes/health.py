"""Liveness, readiness and Prometheus figures."""

from __future__ import annotations

from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from batchops import __version__
from batchops.errors import BatchopsError
from batchops.server.auth import anyone, requires
from batchops.server.response_models import TEXT, Health
from batchops.server.responses import json_response
from batchops.store.tokens import Role

router = APIRouter(tags=["health"])


READY_SECONDS = 2.0
"""How long /readyz waits for the database before it says the server is not ready."""


@router.get("/healthz", response_model=Health, dependencies=[anyone()])
async def healthz() -> dict[str, Any]:
    """Liveness: the process answers. No database is asked, so a locked or slow database
    never makes a load balancer restart a healthy server."""
    return {"status": "ok", "version": __version__}


@router.get(
    "/readyz",
    response_model=Health,
    dependencies=[anyone()],
    responses={503: {"description": "Not ready."}},
)
async def readyz(request: Request) -> Response:
    """Readiness: the database answers a read within READY_SECONDS (503 when it does not).
    The probe runs on a thread of its own, never in the place of a request handler."""
    from batchops.store.db import database_answers

    state = request.app.state
    if getattr(state, "probes", None) is None:
        state.probes = anyio.CapacityLimiter(1)
    try:
        with anyio.fail_after(READY_SECONDS):
            await anyio.to_thread.run_sync(
                database_answers, READY_SECONDS, limiter=state.probes, abandon_on_cancel=True
            )
    except TimeoutError:
        return _not_ready(f"the database did not answer within {READY_SECONDS:g} s")
    except BatchopsError as error:
        return _not_ready(str(error))
    return json_response({"status": "ready", "version": __version__})


def _not_ready(reason: str) -> Response:
    return JSONResponse({"status": "unavailable", "detail": reason}, status_code=503)


@router.get(
    "/metrics", dependencies=[requires(Role.VIEWER)], response_class=Response, responses=TEXT
)
async def metrics(request: Request) -> Response:
    """Prometheus text format: executions, step durations, transform rows, drift per feature."""
    from batchops.server.prometheus import exposition

    body, content_type = await run_in_threadpool(exposition, request.app.state.collectors)
    return Response(body, media_type=content_type)
