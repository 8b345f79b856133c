"""Every route declares its role, and the server enforces it: the matrix comes from the app's
own route table, so a new route cannot skip it."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from batchops.server import create_app
from batchops.store.tokens import Role

from .conftest import bearer

DOCS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def declared_roles() -> list[tuple[str, str, Role | None]]:
    found = []
    for context in iter_route_contexts(create_app().routes):
        route = context.route
        if not isinstance(route, APIRoute):
            continue
        roles = [
            d.call.required_role
            for d in route.dependant.dependencies
            if hasattr(d.call, "required_role")
        ]
        assert len(roles) == 1, f"{context.path} declares {len(roles)} roles; it needs one"
        for method in sorted(context.methods or ()):
            found.append((method, context.path, roles[0]))
    return found


ROUTES = declared_roles()


def test_every_route_of_the_app_is_in_the_matrix() -> None:
    paths = {path for _, path, _ in ROUTES}
    assert {"/api/executions", "/api/registry/groups/{group}/versions/{version}/approve"} <= paths
    assert all(role is not None for _, path, role in ROUTES if path.startswith("/api/"))


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "7" if m.group(1) == "version" else "nope", path)


@pytest.mark.parametrize(("method", "path", "role"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_the_role_a_route_declares_is_the_role_it_needs(
    client: TestClient, tokens: dict[Role, str], method: str, path: str, role: Role | None
) -> None:
    url = _url(path)
    if role is None:
        assert client.request(method, url).status_code not in (401, 403)
        return
    anonymous = client.request(method, url, follow_redirects=False)
    assert anonymous.status_code in (401, 303)  # the page sends people to /login
    wrong = client.request(method, url, headers=bearer("bo_not-a-token"), follow_redirects=False)
    assert wrong.status_code in (401, 303)
    for held in Role:
        answer = client.request(method, url, headers=bearer(tokens[held]), follow_redirects=False)
        if held < role:
            assert answer.status_code == 403, (held, answer.text)
            assert role.label in answer.text
        else:
            assert answer.status_code not in (401, 403), (held, answer.text)
