"""`batchops pipeline …`: upsert from Python, and no example data made before a run needs it."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from support.cli import run_batchops

MODULE = """
from batchops.pipeline import FunctionStep, ParameterString, Pipeline


def greet(name):
    return {"greeting": "hello " + name}


def _build(pipeline_name):
    who = ParameterString("Who", "world")
    step = FunctionStep(
        "Greet", function=greet, inputs={"name": who}, outputs=["greeting"]
    )
    return Pipeline(pipeline_name, [who], [step], description="says hello")


instance = _build("greeting-instance")


def factory():
    return _build("greeting-factory")


not_a_pipeline = 42
"""


@pytest.fixture
def module_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A module of the user's, importable by the batchops subprocess."""
    folder = tmp_path / "code"
    folder.mkdir()
    (folder / "mypipes.py").write_text(textwrap.dedent(MODULE))
    inherited = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(folder), *filter(None, [inherited])]))
    return "mypipes"


@pytest.mark.parametrize(
    ("attribute", "name"), [("instance", "greeting-instance"), ("factory", "greeting-factory")]
)
def test_upsert_takes_a_pipeline_or_a_function_returning_one(
    module_on_path: str, attribute: str, name: str
) -> None:
    first = run_batchops("pipeline", "upsert", f"{module_on_path}:{attribute}")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"{name}: version 1"
    again = run_batchops("pipeline", "upsert", f"{module_on_path}:{attribute}")
    assert again.stdout.strip() == f"{name}: version 1"  # unchanged: no new version

    started = run_batchops("pipeline", "start", name, "-p", "Who=batch", "--wait", "--json")
    assert started.returncode == 0, started.stderr
    greet = json.loads(started.stdout)["steps"][0]
    assert greet["properties"]["Outputs"]["greeting"] == "hello batch"


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("mypipes:not_a_pipeline", "is not a Pipeline or a function returning one"),
        ("mypipes:absent", "cannot import"),
        ("mypipes", "expected module:attribute"),
    ],
)
def test_upsert_of_something_else_is_one_line_and_exit_2(
    module_on_path: str, target: str, reason: str
) -> None:
    result = run_batchops("pipeline", "upsert", target)
    assert result.returncode == 2
    assert [line for line in result.stderr.splitlines() if line] == [
        line for line in result.stderr.splitlines() if reason in line
    ]


def test_listing_and_showing_write_no_example_data(batchops_home: Path) -> None:
    for command in (("pipeline", "list"), ("pipeline", "show", "train-and-baseline")):
        assert run_batchops(*command).returncode == 0
    refused = run_batchops("pipeline", "start", "train-and-baseline", "-p", "MinAccuracy=high")
    assert refused.returncode == 2
    assert not (batchops_home / "examples").exists()


def test_a_run_reading_the_default_data_makes_it_first(batchops_home: Path) -> None:
    shown = json.loads(run_batchops("pipeline", "show", "train-and-baseline", "--json").stdout)
    (stored,) = [
        p["DefaultValue"] for p in shown["definition"]["Parameters"] if p["Name"] == "InputData"
    ]
    # The definition names the place in any home; a run reads it in this one.
    assert stored == "${BATCHOPS_HOME}/examples/churn/churn-5000.csv"
    default = str(batchops_home / "examples" / "churn" / "churn-5000.csv")
    assert not Path(default).exists()

    # A threshold no model reaches here: the run reads and trains on the data, then fails at
    # the check.
    result = run_batchops(
        "pipeline", "start", "train-and-baseline", "-p", "MinAccuracy=1", "--wait", "--json"
    )
    assert result.returncode == 1, result.stderr
    execution = json.loads(result.stdout)
    assert execution["parameters"]["InputData"] == default
    prepare = next(s for s in execution["steps"] if s["name"] == "PrepareData")
    assert prepare["status"] == "Succeeded"
    assert len(Path(default).read_text().splitlines()) == 5001  # header + 5,000 rows


def _default(pipeline: str, home: Path) -> Path:
    """The pipeline's default InputData, in `home` (the definition names it in any home)."""
    shown = json.loads(run_batchops("pipeline", "show", pipeline, "--json").stdout)
    (value,) = [
        p["DefaultValue"] for p in shown["definition"]["Parameters"] if p["Name"] == "InputData"
    ]
    return Path(value.replace("${BATCHOPS_HOME}", str(home)))


@pytest.mark.slow
def test_batch_inference_on_its_defaults_scores_the_batch_made_for_it(
    batchops_home: Path,
) -> None:
    """Right after training, "start batch-inference" with nothing given works, and so does the
    run a rule starts on the approval (which the scheduler names with its pipeline)."""
    trained = run_batchops("pipeline", "start", "train-and-baseline", "--wait")
    assert trained.returncode == 0, trained.stderr
    batch = _default("batch-inference", batchops_home)
    assert not batch.exists()
    rule = run_batchops(
        "rule", "create", "score-approved", "--on", "ModelVersionStatusChanged",
        "--filter", "status=Approved", "--start", "batch-inference",
    )  # fmt: skip
    assert rule.returncode == 0, rule.stderr
    assert run_batchops("registry", "approve", "customer-churn/1").returncode == 0

    once = run_batchops("scheduler", "--once")
    assert once.returncode == 0, once.stderr
    (started,) = [line for line in once.stdout.splitlines() if line.startswith("  started ")]
    assert started.startswith("  started batch-inference ")
    assert "(Succeeded), by rule score-approved on event" in started
    assert len(batch.read_text().splitlines()) == 1000  # made on first use, headerless

    scored = run_batchops("pipeline", "start", "batch-inference", "--wait", "--json")
    assert scored.returncode == 0, scored.stderr
    execution = json.loads(scored.stdout)
    assert execution["parameters"]["InputData"] == str(batch)
    (step,) = [s for s in execution["steps"] if s["name"] == "MonitorCustomerChurnDataQuality"]
    assert step["properties"]["TransformOutput"]["Rows"] == 1000
