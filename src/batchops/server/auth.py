"""Who is asking: a bearer token, or the page's signed session cookie, or (loopback only,
`--no-auth`) the OS user as admin.

Every route declares the least role it needs with `requires(role)` (or `public()`); the
auth tests walk the app's route table and fail on a route that declares none. A session
cookie names the token by id (never the token), signed with a secret kept in the home, and
every write made through it must carry the session's CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from batchops.server import token_cache
from batchops.settings import current_user
from batchops.store.db import prefer_concurrent_reads
from batchops.store.tokens import Role, token_by_id

SESSION_COOKIE = "batchops_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SESSION_SECONDS = 12 * 3600
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Principal:
    user: str
    role: Role
    session: str | None = None  # the cookie's value when signed in through the page

    @property
    def csrf_token(self) -> str:
        return csrf_for(self.session) if self.session else ""


class NotSignedIn(HTTPException):
    def __init__(self, detail: str) -> None:
        super().__init__(401, detail, headers={"WWW-Authenticate": "Bearer"})


def load_secret(home: Path) -> bytes:
    """The home's signing secret (created once, readable by its owner only)."""
    path = home / "server-secret"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


_secrets: dict[str, bytes] = {}


def _secret() -> bytes:
    from batchops.settings import get_settings

    home = get_settings().home
    key = str(home)
    if key not in _secrets:
        _secrets[key] = load_secret(home)
    return _secrets[key]


def _sign(text: str) -> str:
    return hmac.new(_secret(), text.encode(), hashlib.sha256).hexdigest()


def session_value(token_id: int) -> str:
    body = f"{token_id}.{int(time.time()) + SESSION_SECONDS}.{secrets.token_hex(8)}"
    return f"{body}.{_sign(body)}"


def session_token_id(value: str) -> int | None:
    """The token id a cookie names, if its signature holds and it has not expired."""
    body, _, signature = value.rpartition(".")
    parts = body.split(".")
    if len(parts) != 3 or not hmac.compare_digest(_sign(body), signature):
        return None
    token_id, until = parts[0], parts[1]
    if not (token_id.isdigit() and until.isdigit()) or int(until) < time.time():
        return None
    return int(token_id)


def csrf_for(session: str) -> str:
    return _sign(f"csrf:{session}")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


async def identify(request: Request) -> Principal | None:
    """The caller, or None when no valid credential came with the request."""
    if request.method in SAFE_METHODS:
        prefer_concurrent_reads()  # every route asks who calls: the one place that sees all
    if not request.app.state.auth:
        return Principal(current_user(), Role.ADMIN)
    token = _bearer(request)
    if token is not None:
        info = token_cache.recall(token) or await run_in_threadpool(token_cache.verify, token)
        return None if info is None else Principal(info.user, info.role)
    cookie = request.cookies.get(SESSION_COOKIE)
    token_id = session_token_id(cookie) if cookie else None
    info = await run_in_threadpool(token_by_id, token_id) if token_id is not None else None
    if info is None or cookie is None:
        return None
    principal = Principal(info.user, info.role, session=cookie)
    if request.method not in SAFE_METHODS:
        await _check_csrf(request, principal)
    return principal


async def _check_csrf(request: Request, principal: Principal) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, principal.csrf_token):
        raise HTTPException(403, "the form's CSRF token is missing or stale; reload the page")


def requires(role: Role) -> Any:
    """A dependency giving the caller, refusing 401 (no or bad credential) or 403 (role)."""

    async def check(request: Request) -> Principal:
        principal = await identify(request)
        if principal is None:
            raise NotSignedIn("a valid token is required (Authorization: Bearer <token>)")
        if principal.role < role:
            raise HTTPException(
                403, f"{principal.user} is {principal.role.label}; this needs {role.label}"
            )
        return principal

    check.required_role = role  # type: ignore[attr-defined]
    return Depends(check)


def public() -> Any:
    """A dependency for routes anyone may call; the caller if signed in, else None."""

    async def check(request: Request) -> Principal | None:
        return await identify(request) if request.method in SAFE_METHODS else None

    check.required_role = None  # type: ignore[attr-defined]
    return Depends(check)
