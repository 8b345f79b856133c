"""HTML from data is shown as text on every page; files open only by their recorded URIs."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi.testclient import TestClient

from batchops.store import executions
from batchops.store.tokens import Role

from .conftest import bearer, register_example_version

SCRIPT = "<script>alert(1)</script>"


def _sign_in(client: TestClient, token: str) -> None:
    client.post("/login", data={"token": token}, follow_redirects=False)


def test_a_script_in_a_csv_header_and_in_a_reason_is_escaped(
    client: TestClient, tokens: dict[Role, str], tmp_path: Path
) -> None:
    register_example_version(tmp_path / "v", header=SCRIPT)
    approver = bearer(tokens[Role.APPROVER])
    client.post(
        "/api/registry/groups/churn/versions/1/reject", json={"reason": SCRIPT}, headers=approver
    )
    _sign_in(client, tokens[Role.VIEWER])
    page = client.get("/registry/churn/1").text
    assert SCRIPT not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2  # the feature and the reason
    for other in ("/", "/registry", "/registry/churn", "/monitoring"):
        assert SCRIPT not in client.get(other).text


def _execution_with_folder(tmp_path: Path) -> tuple[str, Path]:
    from batchops.runtime.pipelines import store_provided
    from batchops.settings import get_settings

    store_provided()
    execution_id = executions.create_execution(
        "batch-inference", 1, {}, {"Check": "QualityCheck"}, "t"
    )
    folder = Path(get_settings().artifacts) / "pipelines" / "x" / execution_id / "Check"
    folder.mkdir(parents=True)
    (folder / "statistics.json").write_text('{"features": []}')
    secret = tmp_path / "outside.json"
    secret.write_text('{"secret": true}')
    os.symlink(secret, folder / "linked.json")
    executions.update_step(
        execution_id,
        "Check",
        outputs={"baseline": str(folder)},
        properties={"Elsewhere": str(secret), "Climb": str(folder / ".." / ".." / "x.json")},
    )
    return execution_id, folder


def test_files_open_by_recorded_name_only_and_never_outside_the_artifact_root(
    client: TestClient, tokens: dict[Role, str], tmp_path: Path
) -> None:
    execution_id, _ = _execution_with_folder(tmp_path)
    auth = bearer(tokens[Role.VIEWER])
    base = f"/api/executions/{execution_id}/steps/Check/files"
    listed = client.get(base, headers=auth).json()
    assert list(listed) == ["statistics.json"]  # the symlink out and the outside file are not
    assert client.get(f"{base}/statistics.json", headers=auth).json() == {"features": []}
    for name in ("linked.json", "outside.json", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd"):
        refused = client.get(f"{base}/{name}", headers=auth)
        assert refused.status_code == 404, name
        assert "secret" not in refused.text
