"""The application: API routers, the page, one error mapping, static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from batchops import __version__

STATIC = Path(__file__).with_name("static")
SWAGGER_UI = "/static/swagger-ui"
"""Swagger UI's files, vendored from the swagger-ui-dist package (`make vendor-swagger-ui`),
so /docs needs no network, as the page does not."""
BUNDLE_REQUEST_BYTES = 12 * 1024 * 1024
"""A pipeline's code bundle (at most 8 MiB of code, runtime/bundles.py) in base64 and JSON."""
BUNDLE_ROUTES = {
    ("PUT", "/api/pipelines/"): BUNDLE_REQUEST_BYTES,
    ("POST", "/api/project/"): BUNDLE_REQUEST_BYTES,
}


def create_app(
    *, auth: bool = True, scheduler: bool = False, threads: int | None = None
) -> FastAPI:
    """The server's app; `auth=False` (loopback only, checked by the CLI) acts as the OS user;
    `scheduler` hosts the scheduler in a thread while the app runs; `threads` bounds the
    requests handled at once in this process (None: the framework's default of 40)."""
    from batchops.server import errors, hosting, pages, prometheus
    from batchops.server.body_limit import BodyLimit
    from batchops.server.routes import ROUTERS
    from batchops.settings import max_request_bytes

    app = FastAPI(
        title="batchops",
        version=__version__,
        description="Pipelines, executions, the model registry and monitoring results. "
        "Send `Authorization: Bearer <token>` (`batchops token create`).",
        lifespan=hosting.lifespan(scheduler, threads),
        docs_url=None,  # served below from the package's own files, not a CDN
        redoc_url=None,
    )
    app.state.auth = auth
    app.state.collectors = prometheus.registry()
    app.add_middleware(BodyLimit, max_bytes=max_request_bytes(), larger=BUNDLE_ROUTES)
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _serve_docs(app)
    return app


def _serve_docs(app: FastAPI) -> None:
    """/docs: Swagger UI on the app's OpenAPI document, every file from this package."""
    from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
    from starlette.requests import Request
    from starlette.responses import HTMLResponse

    redirect = "/docs/oauth2-redirect"

    async def docs(_: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
            oauth2_redirect_url=redirect,
        )

    async def oauth2_redirect(_: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    app.add_route("/docs", docs, include_in_schema=False)
    app.add_route(redirect, oauth2_redirect, include_in_schema=False)


def app_from_environment() -> FastAPI:
    """The app `batchops server` starts (through uvicorn's factory string): auth stays on
    unless the command turned it off for a loopback bind; the scheduler runs unless
    `--no-scheduler`; writes wait BATCHOPS_SERVER_LOCK_TIMEOUT for a lock."""
    import os

    from batchops.settings import is_loopback, server_lock_timeout
    from batchops.store.db import bound_lock_waits

    host = os.environ.get("BATCHOPS_SERVER_HOST", "")
    off = os.environ.get("BATCHOPS_SERVER_AUTH") == "off"
    loopback = is_loopback(host)
    scheduler = os.environ.get("BATCHOPS_SERVER_SCHEDULER", "on") != "off"
    threads = os.environ.get("BATCHOPS_SERVER_THREADS", "")
    # A write waiting for another writer's lock holds a request handler (one per process on
    # SQLite): a server waits seconds, then answers 503 with Retry-After.
    bound_lock_waits(server_lock_timeout())
    return create_app(
        auth=not (off and loopback),
        scheduler=scheduler,
        threads=int(threads) if threads.isdigit() and int(threads) > 0 else None,
    )
