"""Every answer of the API is described in /openapi.json by a model, and the models describe
the answers: each JSON route is called on a seeded home and its answer validated against the
model its route declares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from batchops.events.logs import log
from batchops.pipeline import FunctionStep, ParameterString, Pipeline
from batchops.pipeline.steps.types import StepType
from batchops.runtime.execution import Execution
from batchops.store import executions
from batchops.store.artifacts import artifacts_root
from batchops.store.metrics import record_metrics
from batchops.store.statuses import StepStatus
from batchops.store.tokens import Role

from .conftest import bearer, drifted_check, register_example_version


def _described(schema: dict[str, Any]) -> bool:
    """A schema that says what comes back: a model, a list or map of them, or a scalar."""
    if "$ref" in schema:
        return True
    kind = schema.get("type")
    if kind == "array":
        return _described(schema.get("items") or {})
    if kind == "object":
        extra = schema.get("additionalProperties")
        return bool(schema.get("properties")) or (isinstance(extra, dict) and _described(extra))
    return kind in ("string", "integer", "number", "boolean")


def test_every_success_response_has_a_schema(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    undescribed = [
        f"{method.upper()} {path} {code}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        for code, response in operation["responses"].items()
        if code.startswith("2")
        and not (
            response.get("content")
            and all(_described(c.get("schema") or {}) for c in response["content"].values())
        )
    ]
    assert undescribed == []


def _pipeline(name: str, function: str, inputs: dict[str, Any]) -> str:
    """A one-step pipeline calling a library function, so a background runner can run it."""
    who = ParameterString("Who", "world")
    Pipeline(name, [who], [FunctionStep("Call", function=function, inputs=inputs)]).upsert()
    return name


def _seed(tmp_path: Path) -> dict[str, str]:
    """A version approved, an execution whose steps scored, checked, baselined and
    registered, metric series, and one of each automation object."""
    from batchops import registry
    from batchops.events import alarms, rules, schedules

    version = register_example_version(tmp_path / "v")
    registry.approve("churn", version.version, reason="good")
    # under the artifact root: the server shows files there only
    profiled, found = drifted_check(tmp_path, Path(artifacts_root()))
    _pipeline("ok", "batchops.store.executions:new_execution_id", {})
    _pipeline("broken", "batchops.runtime.catalog:get_definition", {"name": "nope"})
    steps = {
        "Score": StepType.TRANSFORM,
        "Check": StepType.QUALITY_CHECK,
        "Baseline": StepType.QUALITY_CHECK,
        "Register": StepType.REGISTER_MODEL,
    }
    made = executions.create_execution("ok", 1, {"Who": "x"}, steps, "tester")
    recorded = {
        "Score": {"TransformOutput": {"S3OutputPath": str(tmp_path / "out"), "Rows": 200}},
        "Check": {"ViolationReport": found.violations_uri, "Violations": len(found.violations)},
        "Baseline": {
            "CalculatedBaselineStatistics": profiled.statistics_uri,
            "CalculatedBaselineConstraints": profiled.constraints_uri,
        },
        "Register": {"ModelPackageGroupName": "churn", "ModelPackageVersion": 1},
    }
    for name, properties in recorded.items():
        executions.update_step(
            made,
            name,
            status=StepStatus.SUCCEEDED,
            started_at=executions.now(),
            ended_at=executions.now(),
            properties=properties,
            outputs={"out": str(tmp_path / "out")},
            inputs={"DataUri": str(tmp_path / "drifted.csv")},
        )
    executions.update_execution(made, status="Succeeded", ended_at=executions.now())
    registry.record_usage(made, "churn", 1, "Score")
    record_metrics("run", {"feature_baseline_drift_usage": 0.42}, execution_id=made)
    schedules.create_schedule("nightly", "ok", "0 6 * * *")
    rules.create_rule("on-approval", "ModelVersionStatusChanged", start="ok")
    alarms.create_alarm("drifting", "feature_baseline_drift_usage", above=0.3)
    return {"execution": made}


def test_each_answer_matches_the_model_its_route_declares(
    client: TestClient, tokens: dict[Role, str], tmp_path: Path
) -> None:
    seeded = _seed(tmp_path)
    routes = {
        (method, context.path): context.route
        for context in iter_route_contexts(client.app.routes)  # type: ignore[attr-defined]
        if isinstance(context.route, APIRoute) and context.route.include_in_schema
        for method in context.methods or ()
    }
    covered: set[tuple[str, str]] = set()
    admin = bearer(tokens[Role.ADMIN])

    def call(method: str, template: str, body: Any = None, **values: Any) -> Any:
        answer = client.request(method, template.format(**values), json=body, headers=admin)
        assert answer.status_code < 300, (template, answer.text)
        model = routes[(method, template.split("?")[0])].response_model
        TypeAdapter(model).validate_python(answer.json())
        covered.add((method, template.split("?")[0]))
        return answer.json()

    execution = seeded["execution"]
    call("GET", "/healthz")
    call("GET", "/readyz")
    call("GET", "/api/pipelines")
    call("GET", "/api/pipelines/{name}", name="ok")
    call("GET", "/api/pipelines/{name}/versions", name="ok")
    call("GET", "/api/pipelines/{name}/graph", name="ok")
    call("GET", "/api/executions")
    described = call("GET", "/api/executions/{execution_id}", execution_id=execution)
    assert [s["name"] for s in described["steps"]] == ["Score", "Check", "Baseline", "Register"]
    call("GET", "/api/executions/{execution_id}/live", execution_id=execution)
    call("GET", "/api/executions/{execution_id}/steps", execution_id=execution)
    call("GET", "/api/executions/{execution_id}/logs", execution_id=execution)
    produced = call("GET", "/api/executions/{execution_id}/summary", execution_id=execution)
    assert produced["rows_scored"] == 200 and produced["registered"][0]["ref"] == "churn/1"
    assert produced["data_quality"][0]["found"] and produced["baselines"]
    call("GET", "/api/executions/{execution_id}/lineage", execution_id=execution)
    call(
        "GET",
        "/api/executions/{execution_id}/steps/{step}/files",
        execution_id=execution,
        step="Check",
    )
    call(
        "GET",
        "/api/executions/{execution_id}/steps/{step}/statistics",
        execution_id=execution,
        step="Baseline",
    )
    call("GET", "/api/registry/groups")
    call("GET", "/api/registry/groups/{group}", group="churn")
    call("GET", "/api/registry/groups/{group}/versions", group="churn")
    call("GET", "/api/registry/groups/{group}/versions/{version}", group="churn", version=1)
    lineage = call(
        "GET", "/api/registry/groups/{group}/versions/{version}/lineage", group="churn", version=1
    )
    assert lineage["used_by"][0]["execution_id"] == execution
    call(
        "GET",
        "/api/registry/groups/{group}/versions/{version}/statistics",
        group="churn",
        version=1,
    )
    call(
        "POST",
        "/api/registry/groups/{group}/versions/{version}/approve",
        {},
        group="churn",
        version=1,
    )
    runs = call("GET", "/api/monitoring/runs")
    assert runs and runs[0]["execution_id"] == execution
    assert call("GET", "/api/monitoring/drift")["usage"]
    assert call("GET", "/api/monitoring/metrics/{metric}", metric="feature_baseline_drift_usage")
    for kind, name in (("schedules", "nightly"), ("rules", "on-approval"), ("alarms", "drifting")):
        call("GET", f"/api/{kind}")
        assert call("GET", f"/api/{kind}/{{name}}", name=name)["name"] == name
        call("GET", f"/api/{kind}/{{name}}/history", name=name)
        call("POST", f"/api/{kind}/{{name}}/pause", name=name)
        call("POST", f"/api/{kind}/{{name}}/resume", name=name)
    assert call("GET", "/api/events")["items"]
    log("lease", "lease taken", holder="test")
    assert call("GET", "/api/scheduler/log?kind=lease")[0]["holder"] == "test"

    # Projects as code: plan and apply an empty project; store a definition with no code.
    call("POST", "/api/project/plan", {"project": "p"})
    call("POST", "/api/project/apply", {"project": "p"})
    stored = call("GET", "/api/pipelines/{name}", name="ok")["definition"]
    call("PUT", "/api/pipelines/{name}", {"definition": stored}, name="ok")

    # Writes: create and delete one of each, start, stop and retry real executions.
    call("POST", "/api/schedules", {"name": "s2", "pipeline": "ok", "cron": "0 7 * * *"})
    call("POST", "/api/rules", {"name": "r2", "on": "ModelVersionRegistered", "log": True})
    call("POST", "/api/alarms", {"name": "a2", "metric": "execution_failed", "above": 0.5})
    for kind, name in (("schedules", "s2"), ("rules", "r2"), ("alarms", "a2")):
        call("DELETE", f"/api/{kind}/{{name}}", name=name)
    second = register_example_version(tmp_path / "v2")
    call(
        "POST",
        "/api/registry/groups/{group}/versions/{version}/reject",
        {"reason": "worse"},
        group="churn",
        version=second.version,
    )
    call(
        "DELETE",
        "/api/registry/groups/{group}/versions/{version}",
        group="churn",
        version=second.version,
    )
    from batchops import registry

    registry.create_group("empty")
    call("DELETE", "/api/registry/groups/{group}", group="empty")
    started = call("POST", "/api/pipelines/{name}/executions", {}, name="ok")
    assert Execution(started["id"]).wait(0.2, timeout=120)["status"] == "Succeeded"
    running = executions.create_execution("ok", 1, {}, {"Call": "Function"}, "tester")
    call("POST", "/api/executions/{execution_id}/stop", execution_id=running)
    broken = call("POST", "/api/pipelines/{name}/executions", {}, name="broken")
    assert Execution(broken["id"]).wait(0.2, timeout=120)["status"] == "Failed"
    call("POST", "/api/executions/{execution_id}/retry", execution_id=broken["id"])
    assert Execution(broken["id"]).wait(0.2, timeout=120)["status"] == "Failed"
    call("DELETE", "/api/executions/{execution_id}", execution_id=broken["id"])

    json_routes = {key for key, route in routes.items() if route.response_model is not None}
    assert json_routes - covered == set()
