"""An SDK pipeline and its execution are batchops's own on the web page: the walkthrough's
graph (Model and Lambda steps included) is drawn, and a run shows its steps and logs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from batchops.server import create_app
from batchops.store.tokens import Role, create_token
from sagemaker_sdk.notebooks import batch_monitor_pipeline, train_baseline_pipeline, upload_scripts
from sagemaker_sdk.runnable import data, gate_pipeline, upload_data

ROLE = "arn:aws:iam::000000000000:role/any"


@pytest.fixture
def viewer() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        token = create_token("user-viewer", Role.VIEWER)[0]
        client.post("/login", data={"token": token}, follow_redirects=False)
        yield client


def test_the_walkthrough_s_pipelines_are_drawn_with_every_step(
    viewer: TestClient, tmp_path: Path
) -> None:
    upload_scripts(tmp_path)
    for pipeline, steps in (
        (
            train_baseline_pipeline(),
            ["PrepareData", "TrainModel", "EvaluateModel", "PerformanceConditionalCheck",
             "DataQualityCheckStep", "CustomerChurnCreateModel-CreateModel",
             "RegisterModel-RegisterModel"],
        ),
        (
            batch_monitor_pipeline(tmp_path),
            ["LambdaStepGetApprovedModel", "MonitorCustomerChurnDataQuality-monitoring",
             "MonitorCustomerChurnDataQuality-transform"],
        ),
    ):  # fmt: skip
        pipeline.upsert(role_arn=ROLE)

        page = viewer.get(f"/pipelines/{pipeline.name}")

        assert page.status_code == 200, page.text
        assert all(step in page.text for step in steps), [s for s in steps if s not in page.text]


def test_an_sdk_execution_shows_its_steps_and_logs(viewer: TestClient, tmp_path: Path) -> None:
    upload_data(tmp_path, "demo/raw", data(ones=6, zeros=1))
    pipeline = gate_pipeline(tmp_path)
    pipeline.upsert(role_arn=ROLE)
    execution_id = pipeline.start().arn.rsplit("/", 1)[1]

    page = viewer.get(f"/executions/{execution_id}")

    assert page.status_code == 200, page.text
    shown = dict(
        re.findall(
            r'class="step-status" data-step="([^"]+)"><span class="status \w+">(\w+)', page.text
        )
    )
    assert shown == {
        "Prepare": "Succeeded",
        "Evaluate": "Succeeded",
        "Gate": "Succeeded",
        "Baseline": "Succeeded",
        "TooLow": "NotExecuted",  # the other branch
    }
    assert "prepared 7 rows" in page.text  # the Prepare step's log
