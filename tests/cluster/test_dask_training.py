"""Training the built-in XGBoost with xgboost.dask scores like training it in one process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from batchops.errors import InvalidInput
from batchops.models import load_model
from batchops.models.hyperparameters import parse_hyperparameters
from batchops.models.xgboost import train


def test_distributed_takes_dask_only() -> None:
    assert parse_hyperparameters({"num_round": 2, "distributed": "dask"}).distributed == "dask"
    with pytest.raises(InvalidInput, match="distributed='spark'"):
        parse_hyperparameters({"num_round": 2, "distributed": "spark"})


def test_a_model_trained_with_xgboost_dask_scores_like_the_local_one(
    tmp_path: Path, dask_address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("xgboost.dask", reason="xgboost.dask needs dask.dataframe (pandas)")
    rng = np.random.default_rng(3)
    channel = tmp_path / "train"
    channel.mkdir()
    features = rng.normal(size=(4000, 5))
    labels = (features[:, 0] + features[:, 1] > 0).astype(int)
    for index in range(2):
        rows = slice(index * 2000, (index + 1) * 2000)
        table = np.column_stack([labels[rows], features[rows]])
        np.savetxt(channel / f"part-{index}.csv", table, delimiter=",", fmt="%.6f")
    settings = {"num_round": 20, "max_depth": 3, "eta": 0.3}
    here = load_model(
        train(
            train=channel,
            validation=None,
            model_dir=tmp_path / "here",
            hyperparameters=settings,
            log=lambda _: None,
        )
    )
    monkeypatch.setenv("BATCHOPS_DASK_ADDRESS", dask_address)
    there = load_model(
        train(
            train=channel,
            validation=None,
            model_dir=tmp_path / "there",
            hyperparameters={**settings, "distributed": "dask"},
            log=lambda _: None,
        )
    )
    x = features.astype(np.float32)
    accuracy = [float(((m.predict(x) > 0.5) == labels).mean()) for m in (here, there)]
    assert accuracy[0] > 0.9 and abs(accuracy[0] - accuracy[1]) < 0.02
