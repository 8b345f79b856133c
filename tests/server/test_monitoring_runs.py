"""The monitoring list (front page, monitoring page, /api/monitoring/runs): each check once,
newest first, never a baselining step, however the checks fall into executions."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from batchops.pipeline.steps.types import StepType
from batchops.runtime.pipelines import store_provided
from batchops.store import executions
from batchops.store.statuses import StepStatus
from batchops.store.tokens import Role

from .conftest import bearer, drifted_check


def test_each_check_is_listed_once_newest_first(
    client: TestClient, tokens: dict[Role, str], tmp_path: Path
) -> None:
    store_provided()
    profiled, found = drifted_check(tmp_path, tmp_path)
    assert found.violations
    checked = {"ViolationReport": found.violations_uri, "Violations": len(found.violations)}
    baselined = {"CalculatedBaselineStatistics": profiled.statistics_uri}

    def record(steps: dict[str, dict[str, object]]) -> str:
        execution = executions.create_execution(
            "train-and-baseline", 1, {}, dict.fromkeys(steps, StepType.QUALITY_CHECK), "tester"
        )
        for name, properties in steps.items():
            executions.update_step(
                execution, name, status=StepStatus.SUCCEEDED, properties=properties
            )
        return execution

    oldest = record({"Check": checked})
    twice = record({"Baseline": baselined, "CheckA": checked, "CheckB": checked})
    newest = record({"Baseline": baselined})  # checks nothing: never listed

    def listed(limit: int) -> list[tuple[str, str]]:
        answer = client.get(
            f"/api/monitoring/runs?limit={limit}", headers=bearer(tokens[Role.VIEWER])
        )
        assert answer.status_code == 200, answer.text
        return [(run["execution_id"], run["step"]) for run in answer.json()]

    everything = listed(10)
    assert everything == [(twice, "CheckA"), (twice, "CheckB"), (oldest, "Check")]
    assert newest not in {execution for execution, _ in everything}
    assert listed(1) == everything[:1]
    assert listed(3) == everything
