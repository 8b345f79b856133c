"""report.html as a person sees it: rendered by a real headless Chromium."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from batchops.monitor import baseline, check

from .conftest import write_csv


def test_the_report_renders_with_plots_and_the_violation_highlighted(
    tmp_path: Path, chromium_path: str
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser extra is missing")
    from support.chromium import LAUNCH_ARGS

    rng = np.random.default_rng(1)
    rows = 2000
    base = baseline(
        write_csv(
            tmp_path / "t.csv",
            {"usage": rng.gamma(2.0, 2.0, rows), "plan": rng.choice(["a", "b"], rows)},
        ),
        tmp_path / "base",
    )
    result = check(
        write_csv(
            tmp_path / "b.csv",
            {"usage": rng.gamma(2.0, 4.0, rows), "plan": rng.choice(["a", "b"], rows)},
        ),
        statistics=base.statistics_uri,
        constraints=base.constraints_uri,
        out_dir=tmp_path / "out",
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(Path(result.report_uri).as_uri())
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        plots = page.locator("svg")
        sizes = [plots.nth(i).bounding_box() for i in range(plots.count())]
        alert = page.locator("section.card.alert")
        alert_title = alert.first.locator("h3").inner_text()
        alert_colour = alert.first.evaluate("e => getComputedStyle(e).borderColor")
        plain_colour = page.locator("section.card:not(.alert)").first.evaluate(
            "e => getComputedStyle(e).borderColor"
        )
        drawn = page.locator("svg path, svg rect, svg polyline").count()
        failing = alert.first.locator("tr.fail").inner_text()
        gap_lines = alert.first.locator("svg line[stroke-dasharray]").count()
        linked = page.locator("table.list a").first
        linked.click()
        scrolled_to = page.evaluate("window.location.hash")
        browser.close()
    assert len(sizes) >= 3 and all(
        box and box["width"] > 100 and box["height"] > 30 for box in sizes
    )
    assert drawn > 10  # bars and lines, not empty frames
    assert alert_title.startswith("usage")
    assert alert_colour != plain_colour  # the violated feature stands out
    assert "drift" in failing and "≤ 0.1" in failing  # measured against its threshold
    assert gap_lines == 1  # the distance drawn where the CDFs part most
    assert scrolled_to.startswith("#f")  # the violation links to its feature's card
    assert (tmp_path / "report.png").stat().st_size > 10_000
