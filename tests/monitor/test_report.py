"""report.html: one self-contained page with the distributions drawn and violations marked."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from batchops.monitor import baseline, check

from .conftest import write_csv


def test_report_is_self_contained_and_marks_violated_features(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = 3000
    train = {
        "steady": rng.normal(size=rows),
        "moving": rng.normal(size=rows),
        "colour": rng.choice(["red", "blue"], rows),
    }
    base = baseline(write_csv(tmp_path / "train.csv", train), tmp_path / "base")
    batch = {
        "steady": rng.normal(size=rows),
        "moving": rng.normal(2.0, 1.0, size=rows),
        "colour": rng.choice(["red", "blue", "green"], rows),
    }
    result = check(
        write_csv(tmp_path / "batch.csv", batch),
        statistics=base.statistics_uri,
        constraints=base.constraints_uri,
        out_dir=tmp_path / "out",
    )
    page = Path(result.report_uri).read_text()
    assert page.startswith("<!DOCTYPE html>")
    # Nothing fetched from elsewhere: no scripts, stylesheets, images or fonts by URL; links
    # only to places on the page.
    assert not re.search(r"src\s*=|href\s*=\s*['\"][^#]|url\(|@import|https?://|<script", page)
    cards = re.findall(r"<section class='card ([a-z ]*)' id='([^']+)'><h3>([^<]+)", page)
    linked = set(re.findall(r"href='#([^']+)'", page))  # the violations link to their cards
    assert linked == {anchor for tone, anchor, _ in cards if tone == "alert"}
    cards = [(tone, name) for tone, _, name in cards]
    assert dict((name, tone.strip()) for tone, name in cards) == {
        "moving": "alert",
        "colour": "alert",
        "steady": "",
    }
    assert cards[-1][1] == "steady"  # violated features come first
    assert page.count("<svg") == 2 * 2 + 1  # histogram and CDF per number, bars for colour
    assert "green (new)" in page
    for violation in result.violations:
        assert violation.description.replace("'", "&#x27;") in page
    assert f"{rows:,}" in page


def test_report_names_positional_columns_by_the_models_names(tmp_path: Path) -> None:
    """A headerless batch: the cards and the violations read `Day Mins (_c1)`; a column the
    model does not read (the label, `_c0`) keeps its positional name; the files keep `_cN`."""
    rng = np.random.default_rng(1)
    rows = 2000
    train = {"label": rng.integers(0, 2, rows), "day": rng.normal(size=rows)}
    base = baseline(
        write_csv(tmp_path / "train.csv", train, header=False), tmp_path / "base", header=False
    )
    batch = {"label": rng.integers(0, 2, rows), "day": rng.normal(3.0, 1.0, size=rows)}
    result = check(
        write_csv(tmp_path / "batch.csv", batch, header=False),
        statistics=base.statistics_uri,
        constraints=base.constraints_uri,
        out_dir=tmp_path / "out",
        labels={"_c1": "Day Mins"},
    )
    page = Path(result.report_uri).read_text()
    cards = re.findall(r"<section class='card[a-z ]*' id='[^']+'><h3>([^<]+)", page)
    assert sorted(cards) == ["Day Mins (_c1)", "_c0"]
    assert re.search(r"<tr><td><a href='#f\d'>Day Mins \(_c1\)</a></td>", page)
    assert {v.feature_name for v in result.violations} == {"_c1"}
