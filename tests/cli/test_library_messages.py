"""Library errors name the library's parameters; the CLI says them as its options."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from batchops.cli.output import as_options
from batchops.server import create_app
from support.automation import store_pipeline
from support.cli import run_batchops


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("one of `start`, `webhook` or `log`", "one of --start, --webhook or --log"),
        ("`parameters` apply to `start` only", "-p apply to --start only"),
        ("`secret_env` 'x': the name", "--secret-env 'x': the name"),
        ("reject it first or use `force`", "reject it first or use --force"),
        ("no `Code` here: `GROUP/1`", "no `Code` here: `GROUP/1`"),  # not a parameter's name
    ],
)
def test_the_cli_says_parameters_as_options(message: str, said: str) -> None:
    assert as_options(message) == said


def test_a_rule_without_an_action_is_told_in_each_ones_words() -> None:
    store_pipeline("greet")
    with TestClient(create_app(auth=False)) as client:
        answer = client.post("/api/rules", json={"name": "r", "on": "ExecutionStatusChanged"})
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        "rule r: give exactly one action: `start`, `webhook` or `log`"
    )
    said = run_batchops("rule", "create", "r", "--on", "ExecutionStatusChanged")
    assert said.returncode == 2
    assert said.stderr == "error: rule r: give exactly one action: --start, --webhook or --log\n"
