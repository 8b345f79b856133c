"""One mapping from our errors to HTTP: JSON with a readable `detail` for the API, a page for
people. The status comes from the error type (`http_status`), decided once in batchops.errors."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from batchops.errors import BatchopsError, Busy


def wants_page(request: Request) -> bool:
    path = request.url.path
    machine = ("/api/", "/metrics", "/healthz", "/readyz", "/openapi", "/docs", "/static/")
    return not path.startswith(machine)


def _respond(request: Request, status: int, detail: str, headers: Any = None) -> Response:
    if wants_page(request):
        if status == 401:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        from batchops.server.pages import render_error

        return render_error(request, status, detail)
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _field(error: dict[str, Any]) -> str:
    where = [str(p) for p in error.get("loc", ()) if p not in ("body",)]
    place = " ".join(where[:1]) + (f" {'.'.join(where[1:])!r}" if len(where) > 1 else "")
    return f"{place}: {error.get('msg', 'invalid')}".strip(": ")


def install(app: FastAPI) -> None:
    @app.exception_handler(BatchopsError)
    async def _ours(request: Request, error: BatchopsError) -> Response:
        later = {"Retry-After": str(error.retry_after)} if isinstance(error, Busy) else None
        return _respond(request, error.http_status, str(error), later)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(_field(e) for e in error.errors())
        return _respond(request, 422, f"bad request: {problems}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        return _respond(request, error.status_code, str(error.detail), error.headers)
