"""A page session ends when its user logs out, on every server of the database, and lists link
to their next page without trusting the request's Host header.

The probe: a cookie copied before logout kept working for its 12 hours; a request with a
forged `Host` got a `next` link pointing at that host.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from batchops.server import create_app
from batchops.server.auth import SESSION_COOKIE
from batchops.store import executions
from batchops.store.tokens import Role, create_token, revoke_token

from .conftest import bearer


@pytest.fixture
def two_servers() -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps over one database, as two `batchops server` hosts behind a load balancer."""
    with TestClient(create_app()) as first, TestClient(create_app()) as second:
        yield first, second


def _sign_in(client: TestClient, token: str) -> tuple[str, str]:
    """The session cookie and the page's CSRF token."""
    signed = client.post("/login", data={"token": token}, follow_redirects=False)
    assert signed.status_code == 303
    cookie = signed.cookies[SESSION_COOKIE]
    page = client.get("/", cookies={SESSION_COOKIE: cookie})
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    return cookie, csrf


def _as(client: TestClient, cookie: str, path: str = "/api/executions") -> int:
    client.cookies.clear()
    return client.get(path, cookies={SESSION_COOKIE: cookie}, follow_redirects=False).status_code


def test_a_cookie_copied_before_logout_stops_working_on_every_server(
    database: str, two_servers: tuple[TestClient, TestClient]
) -> None:
    first, second = two_servers
    token = create_token("ann", Role.APPROVER)[0]
    cookie, csrf = _sign_in(first, token)
    assert token not in cookie
    assert _as(first, cookie) == _as(second, cookie) == 200  # the other server accepts it
    assert _as(second, cookie, "/") == 200
    first.cookies.clear()
    out = second.post(
        "/logout",
        data={"csrf_token": csrf},
        cookies={SESSION_COOKIE: cookie},
        follow_redirects=False,
    )
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert _as(first, cookie) == _as(second, cookie) == 401
    assert _as(first, cookie, "/") == 303  # the page sends people to sign in again
    again, _ = _sign_in(first, token)  # the token itself still signs in
    assert again != cookie and _as(second, again) == 200


def test_a_forged_or_revoked_session_is_refused(
    two_servers: tuple[TestClient, TestClient],
) -> None:
    first, second = two_servers
    token, info = create_token("bob", Role.VIEWER)
    cookie, _ = _sign_in(first, token)
    session_id, _, signature = cookie.rpartition(".")
    forged = f"{session_id}.{'0' * len(signature)}"
    assert _as(second, forged) == 401
    revoke_token(info.id)
    assert _as(second, cookie) == 401


def test_servers_given_one_session_secret_in_the_environment_accept_each_others_cookies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BATCHOPS_SESSION_SECRET", "s" * 40)
    token = create_token("cy", Role.VIEWER)[0]
    with TestClient(create_app()) as first:
        cookie, _ = _sign_in(first, token)
    with TestClient(create_app()) as second:
        assert _as(second, cookie) == 200
    monkeypatch.setenv("BATCHOPS_SESSION_SECRET", "t" * 40)  # another key: not its cookie
    with TestClient(create_app()) as third:
        assert _as(third, cookie) == 401
    monkeypatch.setenv("BATCHOPS_SESSION_SECRET", "short")
    with TestClient(create_app(), raise_server_exceptions=False) as fourth:
        refused = fourth.get("/api/executions", cookies={SESSION_COOKIE: cookie})
    assert refused.status_code == 503 and "at least 32 characters" in refused.json()["detail"]


def test_the_next_link_is_relative_whatever_host_the_request_names(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    from batchops.runtime.pipelines import store_provided

    store_provided()
    for _ in range(3):
        executions.create_execution("batch-inference", 1, {}, {"Score": "Transform"}, "tester")
    headers = {**bearer(tokens[Role.VIEWER]), "Host": "evil.example:666"}
    first = client.get("/api/executions?limit=1&status=Executing", headers=headers).json()
    assert first["next"] == "/api/executions?status=Executing&offset=1&limit=1"
    second = client.get(first["next"], headers=headers).json()
    assert second["next"].startswith("/api/executions?") and "evil" not in second["next"]
    pipelines = client.get("/api/pipelines?limit=1", headers=headers).json()
    assert pipelines["next"] == "/api/pipelines?offset=1&limit=1"
