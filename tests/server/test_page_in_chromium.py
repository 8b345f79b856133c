"""The page as a person uses it, in real headless Chromium against a real `batchops server`:
sign in, train, watch the DAG turn green, read the baseline, approve, score a drifted batch,
see the violation and the drift trend. Screenshots of each stage are taken into the test's
folder, and copied to $BATCHOPS_TEST_SCREENSHOTS when that names a folder to keep them in."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow
SHOTS = os.environ.get("BATCHOPS_TEST_SCREENSHOTS")
# Every table and SVG that sticks out of its card (or makes the card scroll sideways), and a
# page wider than the window: what a person at 1400 px would find cut off.
OVERFLOWING = """() => {
  const found = [];
  for (const card of document.querySelectorAll(".card")) {
    const box = card.getBoundingClientRect();
    const title = (card.querySelector("h2, summary") || card).textContent.trim().slice(0, 40);
    for (const inner of card.querySelectorAll("table, svg")) {
      const r = inner.getBoundingClientRect();
      if (r.width && (r.right > box.right + 1 || r.left < box.left - 1)) {
        found.push(`${inner.tagName} in "${title}" is ${Math.round(r.width)} px wide`);
      }
    }
    if (card.scrollWidth > card.clientWidth + 1) found.push(`"${title}" scrolls sideways`);
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) found.push("the page");
  return found;
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _batchops(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "batchops.cli.main", *args],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
    )
    return done.stdout


def test_a_person_runs_approves_and_monitors_from_the_page(
    tmp_path: Path, chromium_path: str
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser extra is missing")
    from support.chromium import LAUNCH_ARGS

    token = _batchops("token", "create", "--user", "alice", "--role", "approver").split()[0]
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "batchops.cli.main", "server", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=os.environ.copy(),
    )
    base = f"http://127.0.0.1:{port}"
    shots: list[Path] = []

    def shot(page: object, name: str) -> None:
        """A screenshot, after checking that at 1400 px nothing is wider than its card."""
        path = tmp_path / f"{len(shots) + 1:02d}-{name}.png"
        # Generous: a full-page shot of a live page took over 30 s once, with the suite's
        # other tests on both cores.
        page.screenshot(  # type: ignore[attr-defined]
            path=str(path), full_page=True, animations="disabled", timeout=120_000
        )
        shots.append(path)
        overflowing = page.evaluate(OVERFLOWING)  # type: ignore[attr-defined]
        assert overflowing == [], f"{name} at 1400 px: {overflowing} (see {path})"

    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path, args=LAUNCH_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(base + "/")
            page.fill("input[name=token]", token)
            page.click("button:has-text('Sign in')")
            shot(page, "overview")
            page.click("a:text-is('train-and-baseline')")  # not abalone-train-and-baseline
            shot(page, "pipeline")
            page.click("#start")
            page.wait_for_url("**/executions/*")
            shot(page, "execution-running")
            page.wait_for_selector("#execution-status .status.succeeded", timeout=240_000)
            page.wait_for_selector("g.node.succeeded[data-step=RegisterModel]")
            shot(page, "execution-green")
            page.click("#step-DataQualityCheckStep >> text=as a table")
            assert page.locator("table.statistics tr").count() > 5
            shot(page, "baseline-statistics")
            page.goto(f"{base}/registry/customer-churn/1")
            page.fill("form[action$='/approve'] input[name=reason]", "accuracy beats the bar")
            page.click("#approve")
            page.wait_for_selector("#version-status .status.approved")
            assert "accuracy beats the bar" in page.locator("#history").inner_text()
            shot(page, "approved")

            drifted = tmp_path / "drifted.csv"
            _batchops(
                "data", "churn", "--out", str(drifted), "--rows", "600", "--seed", "3",
                "--drift", "shift", "--prepared",
            )  # fmt: skip
            page.goto(f"{base}/pipelines/batch-inference")
            page.fill("input[name=p_InputData]", str(drifted))
            page.click("#start")
            page.wait_for_url("**/executions/*")
            page.wait_for_selector("#execution-status .status.succeeded", timeout=240_000)
            page.wait_for_selector("a:has-text('report.html')")  # the page reloads when done
            assert "violation" in page.inner_text("main")
            shot(page, "inference-drifted")
            with page.expect_popup() as popup:
                page.click("text=report.html")
            report = popup.value
            report.wait_for_load_state()
            assert report.locator("section.card.alert").count() >= 1
            shot(report, "report-violation")
            page.goto(f"{base}/registry/customer-churn")
            shot(page, "registry-group")
            page.goto(f"{base}/automation")
            shot(page, "automation")
            page.goto(f"{base}/")
            shot(page, "overview-after")
            subprocess.run(
                [sys.executable, "-m", "batchops.cli.main", "pipeline", "start",
                 "batch-inference", "-p", f"InputData={tmp_path / 'missing.csv'}", "--wait"],
                capture_output=True, env=os.environ.copy(),
            )  # fmt: skip
            failed = _batchops("execution", "list", "-q", "--limit", "1").split()[0]
            page.goto(f"{base}/executions/{failed}")
            assert "missing.csv" in page.inner_text("p.error")
            shot(page, "execution-failed")
            page.goto(f"{base}/monitoring")
            assert page.locator("figure.trend.alert").count() >= 1
            captions = page.locator("figure.trend figcaption").all_inner_texts()
            assert any(" (_c" in c for c in captions), captions  # "Day Mins (_c3)"
            every = page.locator("figure.trend figcaption").all_text_contents()  # hidden too
            assert not any(c.strip().startswith("_c0 ") for c in every), every  # not the label
            shot(page, "drift-trend")
            browser.close()
    finally:
        server.terminate()
        server.wait(15)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            for path in shots:
                shutil.copy(path, Path(SHOTS) / path.name)
    assert server.returncode == 0 or server.returncode == -15
    assert len(shots) == 13
