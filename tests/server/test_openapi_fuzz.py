"""schemathesis against /openapi.json on a small seeded home: no 5xx, every 4xx readable.

Bounded: few examples per operation; starting an execution is left to the browser test
(it would run real pipelines), everything else is fuzzed as it is."""

from __future__ import annotations

from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402

from batchops.server import create_app  # noqa: E402
from batchops.store.tokens import Role, create_token  # noqa: E402

from .conftest import register_example_version  # noqa: E402

pytestmark = pytest.mark.slow


def test_the_api_answers_every_generated_request_without_a_server_error(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    register_example_version(tmp_path / "v")
    token, _ = create_token("fuzzer", Role.ADMIN)
    app = create_app()
    with TestClient(app) as client:
        spec = client.get("/openapi.json").json()
        problems: list[str] = []
        schema = schemathesis.openapi.from_dict(spec)
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path == "/api/pipelines/{name}/executions":
                continue  # starts real executions: covered by the browser test
            if operation.path == "/readyz":
                continue  # 503 is its answer for a slow database: tests/server/test_lock_waits

            @settings(
                max_examples=6,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            @given(case=operation.as_strategy())
            def check(case: schemathesis.Case) -> None:
                response = client.request(
                    case.method,
                    case.formatted_path,
                    params=case.query,
                    json=case.body if isinstance(case.body, dict | list) else None,
                    headers={"Authorization": f"Bearer {token}"},
                )
                if response.status_code >= 500:
                    problems.append(f"{case.method} {case.formatted_path}: {response.status_code}")
                elif response.status_code >= 400 and "json" in response.headers.get(
                    "content-type", ""
                ):
                    detail = response.json().get("detail")
                    if not isinstance(detail, str) or not detail:
                        problems.append(f"{case.method} {case.formatted_path}: {response.text}")

            check()
    assert not problems, problems[:10]
