"""Small real models for tests that register or score one: registration loads the model as
scoring would, so a test's model must be a real booster, not placeholder bytes."""

from __future__ import annotations

import numpy as np


def tiny_model_archive(seed: int = 0, features: int = 2) -> bytes:
    """A model.tar.gz holding a one-tree XGBoost booster; different seeds, different bytes."""
    import xgboost as xgb

    from batchops.models import pack_model

    rows = np.random.default_rng(seed).random((32, features))
    labels = (rows[:, 0] > 0.5).astype(float)
    booster = xgb.train(
        {"objective": "binary:logistic", "seed": seed, "max_depth": 2},
        xgb.DMatrix(rows, label=labels),
        num_boost_round=1 + seed % 3,
    )
    return pack_model({"xgboost-model": bytes(booster.save_raw("json"))})
