"""The execution page shows what a team looks for first: how long each step and the run took,
who or what started it, the steps not run collapsed into one line naming the failure, and
properties as a key/value table."""

from __future__ import annotations

from fastapi.testclient import TestClient

from batchops.events import rules
from batchops.events.scheduler import run_once
from batchops.pipeline import FunctionStep, ParameterString, Pipeline
from batchops.runtime.execution import start_execution
from batchops.store.executions import execution_record
from batchops.store.tokens import Role
from support.automation import echo, fail, store_pipeline


def _three_after_a_failure() -> str:
    who = ParameterString("Who", "world")
    first = FunctionStep("PrepareData", function=fail, inputs={"who": who}, outputs=["said"])
    later = [
        FunctionStep(
            f"Then{i}", function=echo, inputs={"who": who}, outputs=["said"], depends_on=[first]
        )
        for i in range(3)
    ]
    Pipeline("chain", [who], [first, *later]).upsert()
    return "chain"


def test_a_failed_run_shows_one_line_for_the_steps_not_run(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    failed = start_execution(_three_after_a_failure(), None, {}, wait=True).id
    client.post("/login", data={"token": tokens[Role.VIEWER]}, follow_redirects=False)
    page = client.get(f"/executions/{failed}").text
    assert page.count("3 steps not run because PrepareData failed") == 1
    assert 'id="step-PrepareData"' in page
    assert 'id="step-Then0"' not in page  # no card for each skipped step
    assert 'class="step-duration"' in page and 'id="duration"' in page


def test_a_run_started_by_a_rule_says_so_and_shows_its_properties_as_a_table(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    store_pipeline("greet", echo)
    store_pipeline("bad", fail)
    rules.create_rule("again", "ExecutionStatusChanged", filters={"pipeline": "bad"}, start="greet")
    start_execution("bad", None, {}, wait=True)
    started = run_once().started[0]
    record = execution_record(started)
    event = record.trigger["event"]  # type: ignore[index]
    client.post("/login", data={"token": tokens[Role.VIEWER]}, follow_redirects=False)
    page = client.get(f"/executions/{started}").text
    assert f'<span id="started-by">rule again on event {event}</span>' in page
    assert '<table class="properties">' in page and "<pre>{" not in page
