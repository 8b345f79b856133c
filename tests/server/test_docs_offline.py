"""/docs works with no network: Swagger UI's files come from the package, and Chromium,
refused every request to anywhere but the server, still shows the API's operations."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from support.serving import served

pytestmark = pytest.mark.slow
VENDORED = Path(__file__).parents[2] / "src/batchops/server/static/swagger-ui"


def test_the_docs_page_names_only_the_servers_own_files() -> None:
    with served("--no-scheduler") as base:
        page = httpx.get(f"{base}/docs")
        assert page.status_code == 200
        assert "cdn" not in page.text.lower() and "https://" not in page.text
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
            served_file = httpx.get(f"{base}/static/swagger-ui/{asset}")
            assert served_file.status_code == 200, asset
            assert served_file.content == (VENDORED / asset).read_bytes()
            assert f"/static/swagger-ui/{asset}" in page.text
    assert "Apache License" in (VENDORED / "LICENSE").read_text()  # kept with the files


def test_swagger_ui_renders_offline_in_chromium(tmp_path: Path, chromium_path: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser extra is missing")
    from support.chromium import LAUNCH_ARGS

    elsewhere: list[str] = []
    with served("--no-scheduler") as base, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})

        def only_the_server(route: object) -> None:
            url = route.request.url  # type: ignore[attr-defined]
            if url.startswith(base):
                route.continue_()  # type: ignore[attr-defined]
            else:
                elsewhere.append(url)
                route.abort()  # type: ignore[attr-defined]

        page.route("**/*", only_the_server)
        page.goto(f"{base}/docs")
        page.wait_for_selector(".swagger-ui .opblock", timeout=60_000)
        assert "batchops" in page.locator(".swagger-ui .info .title").inner_text()
        assert page.locator(".swagger-ui .opblock").count() > 20
        page.screenshot(path=str(tmp_path / "docs.png"), full_page=False)
        browser.close()
    assert elsewhere == []
