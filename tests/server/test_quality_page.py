"""Realised model quality on the monitoring page: one trend per version and metric, by
prediction date, where a late label replaces its date's point instead of adding one."""

from __future__ import annotations

from fastapi.testclient import TestClient

from batchops.store.metrics import upsert_metrics
from batchops.store.tokens import Role


def test_the_monitoring_page_draws_quality_by_prediction_date(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    for date, accuracy in (("2026-11-29", 0.91), ("2026-11-28", 0.93), ("2026-11-29", 0.71)):
        upsert_metrics(
            f"model-quality:customer-churn/1/{date}",
            {"model_quality.accuracy": accuracy, "model_quality.auc": 0.95},
            key=f"customer-churn/1|{date}",
        )
    upsert_metrics(
        "model-quality:abalone/2/2026-11-29",
        {"model_quality.rmse": 2.61, "model_quality.mae": 1.84},
        key="abalone/2|2026-11-29",
    )
    client.post("/login", data={"token": tokens[Role.VIEWER]}, follow_redirects=False)
    page = client.get("/monitoring").text
    section = page[page.index("Model quality") :]
    accuracy = section[section.index("customer-churn/1 accuracy") :].split("</figure>")[0]
    titles = [part.split("</title>")[0] for part in accuracy.split("<title>")[1:]]
    assert titles == ["0.93 · 2026-11-28", "0.71 · 2026-11-29"]  # dated order, late label won
    assert "customer-churn/1 auc" in section
    rmse = section[section.index("abalone/2 rmse") :].split("</figure>")[0]
    assert "2.61 · 2026-11-29" in rmse  # a regression's trend, beside the classifier's
    assert "abalone/2 accuracy" not in section
