"""Who is asking: a bearer token, or the page's signed session cookie, or (loopback only,
`--no-auth`) the OS user as admin.

Every route declares the least role it needs with `requires(role)` (or `public()`); the
auth tests walk the app's route table and fail on a route that declares none. A session
cookie names a session kept in the database (never the token), signed with a key every server
of the database shares; logging out ends the session everywhere, and every write made through
it must carry the session's CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from batchops.errors import EnvironmentProblem
from batchops.server import token_cache
from batchops.settings import current_user, get_settings
from batchops.store.db import prefer_concurrent_reads
from batchops.store.sessions import end_session, session_holder, shared_secret, start_session
from batchops.store.tokens import Role

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


SESSION_SECRET_ENV = "BATCHOPS_SESSION_SECRET"
SIGNING_SECRET = "session-signing"
_secrets: dict[str, bytes] = {}


def _secret() -> bytes:
    """The cookies' signing key: BATCHOPS_SESSION_SECRET when set (at least 32 characters),
    else the key kept in the database, so every server of one database signs alike."""
    given = os.environ.get(SESSION_SECRET_ENV, "")
    if given:
        if len(given) < 32:
            raise EnvironmentProblem(
                f"{SESSION_SECRET_ENV} must be at least 32 characters (a random string)"
            )
        return given.encode()
    key = get_settings().db_url
    if key not in _secrets:
        _secrets[key] = shared_secret(SIGNING_SECRET)
    return _secrets[key]


def _sign(text: str) -> str:
    return hmac.new(_secret(), text.encode(), hashlib.sha256).hexdigest()


def new_session_cookie(token_id: int) -> str:
    """A session for the token, in the database; the cookie's value names it, signed."""
    session_id = start_session(token_id, SESSION_SECONDS)
    return f"{session_id}.{_sign(session_id)}"


def session_id_of(cookie: str) -> str | None:
    """The session id a cookie names, if its signature holds (the database says if it lives)."""
    session_id, _, signature = cookie.rpartition(".")
    if not session_id or len(cookie) > 256:
        return None
    expected = _sign(session_id).encode()
    return (
        session_id if hmac.compare_digest(expected, signature.encode("utf-8", "replace")) else None
    )


def end_session_of(principal: Principal) -> None:
    """Log out: the principal's session (if it came with one) ends on every server."""
    session_id = session_id_of(principal.session) if principal.session else None
    if session_id is not None:
        end_session(session_id)


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
    session_id = await run_in_threadpool(session_id_of, cookie) if cookie else None
    info = await run_in_threadpool(session_holder, session_id) if session_id else None
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


def anyone() -> Any:
    """A dependency for probes (liveness, readiness): no credential is looked at, so they
    never wait for the database."""

    async def check() -> None:
        return None

    check.required_role = None  # type: ignore[attr-defined]
    return Depends(check)
