"""The model's feature names wherever a model is known, with the positional name beside them
(`Day Mins (_c3)`): the drift trends, the statistics tables, the version's baseline and the
HTML report; the label (`_c0`) is never charted as a feature. Model Monitor's files keep `_cN`."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from batchops.examples.churn.data import write_churn_csv
from batchops.store.tokens import Role
from support.cli import run_batchops

from .conftest import bearer

TITLED = re.compile(r"^(?P<name>.+) \((?P<column>_c\d+)\)$")  # "Day Mins (_c3)"


def _batchops(*args: str) -> str:
    done = run_batchops(*args, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_the_pages_and_the_report_name_features_by_the_model(
    client: TestClient, tokens: dict[Role, str], tmp_path: Path
) -> None:
    from batchops.examples.churn import prepare_batch_file

    raw = write_churn_csv(tmp_path / "churn.csv", 1500, seed=5)
    _batchops("pipeline", "start", "train-and-baseline", "-p", f"InputData={raw}", "--wait")
    _batchops("registry", "approve", "customer-churn/1", "--reason", "fine")
    trained = json.loads(_batchops("execution", "list", "--json"))[0]["id"]
    steps = json.loads(_batchops("execution", "describe", trained, "--json"))["steps"]
    prepared = next(s for s in steps if s["name"] == "PrepareData")
    outputs = prepared["properties"]["ProcessingOutputConfig"]["Outputs"]
    vocabulary = Path(outputs["vocabulary"]["S3Output"]["S3Uri"]) / "vocabulary.json"
    drifted = write_churn_csv(tmp_path / "drifted.csv", 400, seed=9, drift="shift")
    batch = prepare_batch_file(drifted, vocabulary, tmp_path / "batch.csv", with_label=True)
    _batchops("pipeline", "start", "batch-inference", "-p", f"InputData={batch}", "--wait")
    scored = json.loads(_batchops("execution", "list", "--json"))[0]["id"]
    headers = bearer(tokens[Role.VIEWER])

    # The drift trends: every model feature by its name with its column beside it, never the
    # label; the drifting ones first, the rest behind "All N features"; dates on the axis and
    # the threshold written beside its line.
    page = client.get("/monitoring", headers=headers)
    assert page.status_code == 200
    drift = page.text.split("<h2>Model quality")[0]
    captions = re.findall(r"<figcaption>([^<]+?) <small>", drift)
    titled = [TITLED.match(c) for c in captions]
    assert captions and all(titled), captions
    columns = [m.group("column") for m in titled if m]
    assert "_c0" not in columns and "Day Mins" in {m.group("name") for m in titled if m}
    assert len(columns) == len(set(columns)) > 12  # the churn model reads more than 12
    assert re.search(r"<summary>All \d+ features \(\d+ more\)</summary>", drift)
    assert re.search(r"<text class=\"axis\"[^>]*>\d{4}-\d\d-\d\d \d\d:\d\d</text>", drift)
    assert re.search(r"<text class=\"threshold\"[^>]*>threshold 0\.\d+</text>", drift)

    # The scoring step's statistics: the batch holds the label first, the features after it.
    statistics = client.get(
        f"/executions/{scored}/steps/MonitorCustomerChurnDataQuality/statistics", headers=headers
    )
    assert statistics.status_code == 200, statistics.text
    cells = re.findall(r"<tr><td>([^<]+)</td>", statistics.text)
    assert "_c0" in cells  # the label: no model name, only its column
    assert any(TITLED.match(c) and c.startswith("Day Mins") for c in cells), cells

    # The training run's own baseline (no model version yet when it ran; the model trained in
    # the same run names the columns): the label first, by its column alone.
    baseline = client.get(
        f"/executions/{trained}/steps/DataQualityCheckStep/statistics", headers=headers
    )
    assert baseline.status_code == 200, baseline.text
    cells = [html.unescape(c) for c in re.findall(r"<tr><td>([^<]+)</td>", baseline.text)]
    assert cells[0] == "_c0" and all(TITLED.match(c) for c in cells[1:]), cells[:5]
    rows = client.get(
        f"/api/executions/{trained}/steps/DataQualityCheckStep/statistics", headers=headers
    ).json()
    assert [r["title"] for r in rows] == cells
    assert all(r["name"] == TITLED.sub(r"\g<column>", r["title"]) for r in rows)

    # The monitoring runs (table and API): each drifted feature by its name and its column.
    runs = client.get("/api/monitoring/runs", headers=headers).json()
    newest = runs[0]
    assert newest["features"] and all(TITLED.match(f) for f in newest["features"])
    assert f"<td>{', '.join(newest['features'])}</td>" in html.unescape(page.text)

    # The version's baseline (training data: the label first, then the model's features).
    version = client.get("/registry/customer-churn/1", headers=headers)
    cells = [c for c in re.findall(r"<tr><td>([^<]+)</td>", version.text) if "_c" in c]
    assert cells[0] == "_c0" and all(TITLED.match(c) for c in cells[1:]), cells[:5]
    assert any(c.startswith("Day Mins (") for c in cells)

    # The HTML report of the check, and the files it sits beside keep Model Monitor's names.
    summary = json.loads(_batchops("execution", "describe", scored, "--json"))["summary"]
    (check,) = summary["data_quality"]
    report = Path(check["report"]).read_text()
    cards = re.findall(r"<section class='card[a-z ]*' id='[^']+'><h3>([^<]+)", report)
    assert any(TITLED.match(c) and c.startswith("Day Mins") for c in cards), cards
    violations = json.loads(Path(check["violation_report"]).read_text())["violations"]
    assert all(re.fullmatch(r"_c\d+", v["feature_name"]) for v in violations)

    # The scoring run's page links its predictions, and the link opens them.
    run_page = client.get(f"/executions/{scored}", headers=headers)
    (link,) = re.findall(r'<a class="predictions" href="([^"]+)"', run_page.text)
    predictions = client.get(link, headers=headers)
    assert predictions.status_code == 200 and predictions.text.strip(), link
