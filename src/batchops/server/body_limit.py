"""Request bodies have a size limit: 413 beyond it, before the body is read into memory.

A declared Content-Length over the limit is answered at once; a body sent without one
(chunked) is counted as it arrives and refused as soon as it passes the limit, so neither
ever reaches a parser whole. The limit is BATCHOPS_MAX_REQUEST_BYTES (1 MiB by default):
the API's largest legitimate bodies (parameters, rules, reasons) are a few kilobytes. The
routes that carry a project's code (`PUT /api/pipelines/{name}` with its bundle, a project's
plan and apply) have a larger limit of their own (`LARGER`), the bundle's documented size.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"the request body is larger than {limit} bytes, the most this server reads "
            "(BATCHOPS_MAX_REQUEST_BYTES)",
        )


class BodyLimit:
    """ASGI middleware refusing request bodies over `max_bytes`, or over the limit `larger`
    gives a method and path prefix."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: Mapping[tuple[str, str], int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})

    def limit(self, scope: Scope) -> int:
        method, path = scope.get("method", ""), scope.get("path", "")
        for (wanted, prefix), limit in self.larger.items():
            if method == wanted and path.startswith(prefix):
                return max(limit, self.max_bytes)
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            refusal = BodyTooLarge(limit)
            response = JSONResponse({"detail": refusal.detail}, status_code=413)
            await response(scope, receive, send)
            return
        await self.app(scope, _counting(receive, limit), send)


def _counting(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)  # answered by the app's error mapping
        return message

    return counted


def _content_length(scope: Scope) -> int | None:
    headers: Any = scope.get("headers") or []
    for name, value in headers:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None
