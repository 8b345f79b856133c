"""`PUT /api/pipelines/{name}`: a definition and its code, stored by digest; a function
step's file travels with it, so the pipeline runs after the file is gone."""

from __future__ import annotations

import base64
from pathlib import Path

from fastapi.testclient import TestClient

from batchops.pipeline import FunctionStep, Pipeline, ProcessingStep
from batchops.runtime.bundles import MAX_BUNDLE_BYTES, bundle_of
from batchops.runtime.pipelines import start_pipeline
from batchops.store.tokens import Role

from .conftest import bearer


def _pipeline(folder: Path, answer: int = 42) -> Pipeline:
    folder.mkdir(exist_ok=True)
    functions = folder / "answers.py"
    functions.write_text(f"def answer() -> dict:\n    return {{'value': {answer}}}\n")
    script = folder / "noop.py"
    script.write_text("print('nothing to do')\n")
    return Pipeline(
        "bundled",
        steps=[
            FunctionStep("Answer", function="answers:answer", code=functions, outputs=["value"]),
            ProcessingStep("Noop", code=script),
        ],
    )


def test_a_bundle_is_stored_once_and_runs_without_its_files(
    client: TestClient, tokens: dict[Role, str], tmp_path: Path
) -> None:
    code = tmp_path / "code"
    body = bundle_of(_pipeline(code)).to_json()
    admin = bearer(tokens[Role.ADMIN])
    first = client.put("/api/pipelines/bundled", json=body, headers=admin)
    again = client.put("/api/pipelines/bundled", json=body, headers=admin)
    assert first.status_code == again.status_code == 200, first.text
    assert first.json() == again.json() == {"name": "bundled", "version": 1}

    for made in code.iterdir():
        made.unlink()
    execution = start_pipeline("bundled", wait=True)
    record = execution.record()
    assert record.status == "Succeeded", record.failure_reason
    assert record.step("Answer").properties["Outputs"] == {"value": 42}

    changed = bundle_of(_pipeline(code, answer=7)).to_json()
    assert client.put("/api/pipelines/bundled", json=changed, headers=admin).json()["version"] == 2


def test_a_bundle_whose_code_does_not_match_is_refused(
    client: TestClient, tokens: dict[Role, str], tmp_path: Path
) -> None:
    admin = bearer(tokens[Role.ADMIN])
    body = bundle_of(_pipeline(tmp_path)).to_json()
    reference = next(r for r in body["code"] if r.endswith("/answers.py"))
    forged = {**body, "code": {**body["code"], reference: base64.b64encode(b"x = 1").decode()}}
    refused = client.put("/api/pipelines/bundled", json=forged, headers=admin)
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        f"pipeline bundled: code {reference} does not match its digest"
    )
    lacking = {**body, "code": {r: c for r, c in body["code"].items() if r != reference}}
    refused = client.put("/api/pipelines/bundled", json=lacking, headers=admin)
    assert refused.status_code == 422
    assert f"the bundle lacks the code {reference}" in refused.json()["detail"]
    viewer = client.put("/api/pipelines/bundled", json=body, headers=bearer(tokens[Role.VIEWER]))
    assert viewer.status_code == 403
    assert client.get("/api/pipelines/bundled", headers=admin).status_code == 404


def test_a_bundle_has_a_documented_size(
    client: TestClient, tokens: dict[Role, str], tmp_path: Path
) -> None:
    script = tmp_path / "big.py"
    script.write_bytes(b"#" * (MAX_BUNDLE_BYTES + 1))
    body = bundle_of(Pipeline("big", steps=[ProcessingStep("Big", code=script)])).to_json()
    refused = client.put("/api/pipelines/big", json=body, headers=bearer(tokens[Role.ADMIN]))
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        f"pipeline big: its code is {MAX_BUNDLE_BYTES + 1} bytes, more than the "
        f"{MAX_BUNDLE_BYTES} a bundle carries (scripts, not data: read data by URI)"
    )
