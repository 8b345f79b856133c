"""What commands print: ranges and finite numbers refused by name, JSON that is JSON, data's
control characters escaped, wide headers read, passwords masked, empty lists explained."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from support.cli import run_batchops
from support.models import tiny_model_archive

SECRET_URL = "postgresql+psycopg://user:secret@127.0.0.1:1/db"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.5", "must be between 0.0 and 1.0, got 1.5"),
        ("-0.1", "must be between 0.0 and 1.0, got -0.1"),
        ("-inf", "expects a finite number, got '-inf'"),
        ("inf", "expects a finite number, got 'inf'"),
        ("nan", "expects a finite number, got 'nan'"),
    ],
)
def test_a_parameter_outside_its_range_or_not_finite_is_refused_by_name(
    value: str, expected: str, batchops_home: Path
) -> None:
    result = run_batchops(
        "pipeline", "start", "train-and-baseline", "-p", f"MinAccuracy={value}", "--wait"
    )
    assert result.returncode == 2
    assert result.stderr == f"error: parameter 'MinAccuracy' {expected}\n"
    listed = run_batchops("execution", "list", "--json")
    assert json.loads(listed.stdout) == []  # refused before anything was recorded
    assert not (batchops_home / "examples").exists()


def test_a_range_is_declared_only_when_set_and_shown(batchops_home: Path) -> None:
    from batchops.pipeline import ParameterFloat, ParameterInteger
    from batchops.pipeline.parameters import parameter_from_declaration

    assert ParameterFloat("F", 0.5).declaration() == {
        "Name": "F",
        "Type": "Float",
        "DefaultValue": 0.5,
    }
    bounded = ParameterInteger("Rows", 10, min_value=1)
    assert bounded.declaration() == {
        "Name": "Rows",
        "Type": "Integer",
        "DefaultValue": 10,
        "MinValue": 1,
    }
    read_back = parameter_from_declaration(bounded.declaration())
    assert (read_back.min_value, read_back.max_value) == (1, None)
    shown = run_batchops("pipeline", "show", "train-and-baseline")
    assert "parameter MinAccuracy (Float in [0.0, 1.0]) = 0.7" in shown.stdout


def test_json_output_holds_no_nan_or_infinity(batchops_home: Path, tmp_path: Path) -> None:
    from batchops import registry

    model = tmp_path / "model.tar.gz"
    model.write_bytes(tiny_model_archive())
    registry.register_version(
        "nan-metrics",
        model_data_uri=str(model),
        metrics={"accuracy": float("nan"), "auc": float("inf"), "f1": 0.5},
    )
    result = run_batchops("registry", "describe", "nan-metrics/1", "--json")
    assert result.returncode == 0, result.stderr
    assert "NaN" not in result.stdout and "Infinity" not in result.stdout
    metrics = json.loads(result.stdout, parse_constant=pytest.fail)["metrics"]
    assert metrics == {"accuracy": None, "auc": None, "f1": 0.5}


def _wide_csv(path: Path, columns: int, rows: int = 40) -> list[str]:
    names = [f"a_rather_long_feature_name_{i}" for i in range(columns)]
    values = np.random.default_rng(1).random((rows, columns))
    lines = [",".join(names)] + [",".join(f"{v:.4f}" for v in row) for row in values]
    path.write_text("\n".join(lines) + "\n")
    return names


def test_a_header_of_4000_columns_works_for_baseline_monitor_and_transform(
    tmp_path: Path,
) -> None:
    import xgboost

    from batchops.models import ModelManifest, pack_model

    data = tmp_path / "wide.csv"
    names = _wide_csv(data, 4000)
    assert len(data.read_text().splitlines()[0]) > 100_000  # longer than the first read

    baseline = run_batchops("baseline", str(data), "--out", str(tmp_path / "baseline"))
    assert baseline.returncode == 0, baseline.stderr
    assert "baselined 40 rows, 4,000 features" in baseline.stdout
    check = run_batchops(
        "monitor", str(data),
        "--statistics", str(tmp_path / "baseline" / "statistics.json"),
        "--constraints", str(tmp_path / "baseline" / "constraints.json"),
        "--out", str(tmp_path / "check"),
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    assert "no violations in 40 rows" in check.stdout

    rows = np.loadtxt(data, delimiter=",", skiprows=1, dtype=np.float32)
    booster = xgboost.train(
        {"objective": "binary:logistic", "max_depth": 2},
        xgboost.DMatrix(rows, label=(rows[:, 0] > 0.5).astype(np.float32)),
        num_boost_round=2,
    )
    manifest = ModelManifest(feature_names=names, n_features=len(names))
    model = tmp_path / "model.tar.gz"
    model.write_bytes(
        pack_model(
            {
                "xgboost-model": bytes(booster.save_raw("json")),
                "batchops-model.json": manifest.to_json().encode(),
            }
        )
    )
    scored = run_batchops(
        "transform", "--model", str(model), "--input", str(data),
        "--output", str(tmp_path / "out"), "--workers", "0", "--json",
    )  # fmt: skip
    assert scored.returncode == 0, scored.stderr
    result = json.loads(scored.stdout)
    assert result["rows"] == 40 and result["workers"] == 0
    assert len((tmp_path / "out" / "wide.csv.out").read_text().splitlines()) == 40


def test_a_first_line_beyond_the_limit_is_named(tmp_path: Path) -> None:
    from batchops.data.files import read_first_lines
    from batchops.errors import InvalidInput

    data = tmp_path / "one-line.csv"
    data.write_bytes(b"x" * (3 << 20))
    with pytest.raises(InvalidInput, match=r"one-line.csv: no line break in the first 2 MiB"):
        read_first_lines(str(data), limit=2 << 20)
    head, whole = read_first_lines(str(data), limit=4 << 20)
    assert whole and len(head) == 3 << 20


def test_control_characters_from_data_are_escaped_in_messages(tmp_path: Path) -> None:
    data = tmp_path / "bad.csv"
    data.write_bytes(b"id,name,score\n1,ann,0.5\n2,\x1b[31mbob\x07\x00\n")
    result = run_batchops("baseline", str(data), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "line 3: expected 3 fields, found 2" in result.stderr
    assert "\\x1b[31mbob\\x07\\x00" in result.stderr
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", result.stderr)

    header = tmp_path / "header.csv"
    header.write_bytes(b"id,\x1b]0;pwned\x07,id\n1,2,3\n")
    named = run_batchops("baseline", str(header), "--out", str(tmp_path / "out2"))
    assert named.returncode == 2
    assert "names column 'id' twice" in named.stderr
    assert "\x1b" not in named.stderr


@pytest.mark.parametrize(
    "command",
    [
        ("execution", "list"),
        ("registry", "groups"),
        ("pipeline", "list"),
        ("demo", "--rows", "100", "--batch-rows", "50"),
    ],
)
def test_a_database_password_is_never_printed(
    command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATCHOPS_DB_URL", SECRET_URL)
    result = run_batchops(*command)
    assert result.returncode == 2
    assert "secret" not in result.stdout + result.stderr
    assert "user:***@127.0.0.1:1/db" in result.stdout + result.stderr


def test_empty_lists_say_so_and_where_they_looked(batchops_home: Path) -> None:
    home = str(batchops_home.resolve())
    expected = {
        ("execution", "list"): "no executions in BATCHOPS_HOME ",
        ("registry", "groups"): "no model package groups in BATCHOPS_HOME ",
        ("registry", "events"): "no registry events after position 0 in BATCHOPS_HOME ",
    }
    for command, message in expected.items():
        result = run_batchops(*command)
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"{message}{home}\n"
    assert run_batchops("registry", "create-group", "empty").returncode == 0
    versions = run_batchops("registry", "versions", "empty")
    assert versions.stdout == f"no versions of group empty in BATCHOPS_HOME {home}\n"


def test_version_completion_and_whole_lines_on_a_pipe(tmp_path: Path) -> None:
    from batchops import __version__

    assert run_batchops("--version").stdout == f"batchops {__version__}\n"
    assert "--install-completion" in run_batchops("--help").stdout
    completion = run_batchops("--show-completion", "bash")
    assert completion.returncode == 0 and "_batchops_completion" in completion.stdout

    deep = tmp_path / ("a-folder-with-a-long-name-" * 4) / "churn.csv"
    deep.parent.mkdir()
    written = run_batchops("data", "churn", "--rows", "10", "--out", str(deep))
    assert written.returncode == 0, written.stderr
    assert f"wrote 10 rows to {deep} (seed 0)\n" == written.stdout  # one line, never cut


def test_logs_keep_tabs_escape_control_characters_and_end_cache_hits(
    tmp_path: Path, batchops_home: Path
) -> None:
    from batchops.pipeline import CacheConfig, Pipeline, ProcessingStep

    script = tmp_path / "echo.py"
    script.write_text("print('a\\tb'); print('\\x1b[2Jcleared')\n")
    Pipeline(
        "echo",
        [],
        [ProcessingStep("Echo", code=script, cache_config=CacheConfig(True, "PT1H"))],
    ).upsert()
    first = run_batchops("pipeline", "start", "echo", "--wait", "--json")
    assert first.returncode == 0, first.stderr
    logs = run_batchops("execution", "logs", json.loads(first.stdout)["id"])
    assert "a\tb\n" in logs.stdout
    assert "\\x1b[2Jcleared\n" in logs.stdout and "\x1b" not in logs.stdout

    second = run_batchops("pipeline", "start", "echo", "--wait", "--json")
    again = run_batchops("execution", "logs", json.loads(second.stdout)["id"], "Echo")
    lines = again.stdout.splitlines(keepends=True)
    hit = [line for line in lines if line.startswith("cache hit: ")]
    assert hit and all(line.endswith("\n") for line in hit)


def _columns(line: str) -> list[int]:
    """Where each column of a table line starts (columns are two or more spaces apart)."""
    return [match.start() for match in re.finditer(r"\S+(?: \S+)*", line)]


def test_lists_have_a_header_row_over_their_columns(tmp_path: Path, batchops_home: Path) -> None:
    from batchops import registry
    from batchops.events.alarms import create_alarm
    from batchops.events.rules import create_rule
    from batchops.events.schedules import create_schedule
    from batchops.runtime.pipelines import store_provided
    from batchops.store.tokens import create_token

    model = tmp_path / "model.tar.gz"
    model.write_bytes(tiny_model_archive())
    registry.register_version("churn", model_data_uri=str(model), metrics={"auc": 0.98765})
    store_provided()
    create_schedule("daily", "batch-inference", "0 6 * * *")
    create_rule("score", "ModelVersionStatusChanged", start="batch-inference")
    create_alarm("drift", "feature_baseline_drift_age", above=0.1)
    create_token("alice", "viewer")
    headers = {
        ("pipeline", "list"): ["NAME", "VERSION", "DESCRIPTION"],
        ("registry", "groups"): ["GROUP", "VERSIONS"],
        ("registry", "versions", "churn"): ["VERSION", "STATUS", "CREATED", "METRICS"],
        ("schedule", "list"): ["NAME", "PIPELINE", "CRON", "TIMEZONE", "STATE", "NEXT"],
        ("rule", "list"): ["NAME", "STATE", "ON", "FILTERS", "ACTION", "TARGET"],
        ("alarm", "list"): ["NAME", "STATE", "METRIC", "CONDITION"],
        ("token", "list"): ["ID", "USER", "ROLE", "STATE", "EXPIRES"],
    }
    for command, names in headers.items():
        result = run_batchops(*command)
        assert result.returncode == 0, result.stderr
        header, first, *_ = result.stdout.splitlines()
        assert header.split() == names, command
        assert len(_columns(first)) == len(names), command
        assert _columns(first)[-1] == _columns(header)[-1], command  # the last one lines up
    rule = run_batchops("rule", "list").stdout.splitlines()[1].split()
    assert rule == [
        "score",
        "ENABLED",
        "ModelVersionStatusChanged",
        "-",
        "start",
        "batch-inference",
    ]


def test_registry_describe_rounds_metrics_and_json_keeps_them_whole(tmp_path: Path) -> None:
    from batchops import registry

    model = tmp_path / "model.tar.gz"
    model.write_bytes(tiny_model_archive())
    metrics = {"auc": 0.987654321, "false_positive_rate": 0.0123456789, "rows": 12345678}
    registry.register_version("churn", model_data_uri=str(model), metrics=metrics)
    shown = run_batchops("registry", "describe", "churn/1").stdout
    assert re.search(r"^    auc +0\.9877$", shown, re.MULTILINE), shown
    assert re.search(r"^    false_positive_rate +0\.01235$", shown, re.MULTILINE), shown
    assert re.search(r"^    rows +1\.235e\+07$", shown, re.MULTILINE), shown
    described = json.loads(run_batchops("registry", "describe", "churn/1", "--json").stdout)
    assert described["metrics"] == metrics
