from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


def write_channel(folder: Path, labels: np.ndarray, features: np.ndarray, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = np.column_stack([labels, features])
    np.savetxt(folder / name, rows, delimiter=",", fmt="%.4f")
    return folder


@pytest.fixture
def channels(tmp_path: Path) -> dict[str, Path]:
    """Train/validation channel folders of a learnable problem, target first, no header."""
    rng = np.random.default_rng(7)
    features = rng.normal(size=(600, 4)).round(4)
    labels = (features[:, 0] - features[:, 2] + rng.normal(0, 0.3, 600) > 0).astype(float)
    train = tmp_path / "train"
    write_channel(train, labels[:300], features[:300], "part-1.csv")
    write_channel(train, labels[300:450], features[300:450], "part-0.csv")
    validation = write_channel(tmp_path / "validation", labels[450:], features[450:], "v.csv")
    return {"train": train, "validation": validation, "root": tmp_path}
