"""The page tells, for each pipeline, schedule, rule and alarm, whether a project file
manages it and which revision applied it."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from batchops.events import rules
from batchops.project.apply import apply
from batchops.project.declared import declare
from batchops.project.projectfile import read_project_file
from batchops.project.templates import init_project
from batchops.store.tokens import Role
from support.automation import store_pipeline

REPOSITORY = Path(__file__).resolve().parents[2]


def test_the_page_shows_what_a_project_manages_and_its_revision(
    client: TestClient, tokens: dict[Role, str], tmp_path: Path
) -> None:
    project = init_project(tmp_path / "team", batchops_from=str(REPOSITORY)).folder
    declared, bundles = declare(read_project_file(project), "c0ffee1234567890")
    assert apply(declared, bundles).failed is None
    store_pipeline("greet")
    rules.create_rule("by-hand", "ModelVersionRegistered", log=True)
    client.post("/login", data={"token": tokens[Role.VIEWER]}, follow_redirects=False)

    def row(page: str, name: str) -> str:
        found = re.search(rf"<tr[^>]*><td>(<a [^>]*>)?{re.escape(name)}(</a>)?<br>(.*?)</td>", page)
        assert found is not None, name
        return found[3]

    managed = "managed by team @ <code>c0ffee123456</code>"
    automation = client.get("/automation").text
    for name in ("team-daily-inference", "team-failed-runs", "team-violations"):
        assert managed in row(automation, name)
    assert "by hand" in row(automation, "by-hand")
    front = client.get("/").text
    assert managed in row(front, "team-train-and-baseline")
    assert "by hand" in row(front, "greet")
    assert managed in client.get("/pipelines/team-batch-inference").text
