"""Synthetic abalone rows shaped like the UCI data set SageMaker's regression examples use.

An abalone's age is its shell's rings (+1.5 years); the measurements grow with it and level
off: length = 0.75 (1 - exp(-rings / 7)) with noise, the other sizes in proportion, the
weights with the volume. Infants (`I`) are mostly young; males and females alike otherwise.
The older the animal, the wider its rings scatter for a given size (as in the real data), so
a model's error grows with its prediction: the case a direct loss estimate learns from.

Each row has an `id` (`ab-<seed>-<row>`), unique across the seeds, for labels to be matched by.
Same seed, same bytes. `--drift shift` changes the population the model sees without
changing the ages: the shells are 30% heavier for their rings (a new stock, another season),
so the model, which reads age off shell weight, overestimates it: a drift the data-quality
check sees and model quality confirms once the rings are counted.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from batchops.errors import InvalidInput

if TYPE_CHECKING:
    import polars as pl

RAW_COLUMNS: tuple[str, ...] = (
    "id",
    "Sex",
    "Length",
    "Diameter",
    "Height",
    "Whole weight",
    "Shucked weight",
    "Viscera weight",
    "Shell weight",
    "Rings",
)
TARGET = "Rings"
ID_COLUMN = "id"
NUMERIC: tuple[str, ...] = RAW_COLUMNS[2:-1]
CATEGORICAL: tuple[str, ...] = ("Sex",)
DEFAULT_ROWS = 4000
MAX_ROWS = 10_000_000
DRIFT_DESCRIPTIONS = {"shift": "the shells 30% heavier for their rings (the ages unchanged)"}


def write_abalone_csv(
    path: str | Path, rows: int = DEFAULT_ROWS, *, seed: int = 0, drift: str | None = None
) -> Path:
    """Write `rows` synthetic abalone rows with a header to `path` (atomically)."""
    from batchops.store.artifacts import atomic_open

    if isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= MAX_ROWS:
        raise InvalidInput(f"rows must be a whole number from 1 to {MAX_ROWS:,}, got {rows!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInput(f"seed must be a whole number of at least 0, got {seed!r}")
    if drift is not None and drift not in DRIFT_DESCRIPTIONS:
        raise InvalidInput(f"unknown drift kind {drift!r}; valid kinds: shift")
    target = Path(path)
    if target.is_dir():
        raise InvalidInput(f"{target} is a directory; give a file name for the CSV")
    frame = abalone_frame(rows, seed=seed, drift=drift)
    with atomic_open(target, "wb") as handle:
        frame.write_csv(handle, float_precision=4)
    return target


def abalone_frame(rows: int, *, seed: int = 0, drift: str | None = None) -> pl.DataFrame:
    import numpy as np
    import polars as pl

    rng = np.random.default_rng([seed, 7])
    rings = np.clip(np.round(rng.gamma(6.0, 1.7, rows) + 1), 1, 29)
    growth = 1.0 - np.exp(-rings / 7.0)
    length = np.clip(0.75 * growth * rng.normal(1.0, 0.05 + 0.004 * rings, rows), 0.08, 0.82)
    diameter = length * rng.normal(0.79, 0.02, rows)
    height = length * rng.normal(0.27, 0.02, rows)
    whole = 2.6 * length**3 * rng.normal(1.0, 0.08, rows)
    shucked = whole * rng.normal(0.43, 0.03, rows)
    viscera = whole * rng.normal(0.22, 0.02, rows)
    shell = whole * rng.normal(0.24, 0.02, rows) * (1.0 + 0.012 * (rings - 10))
    if drift == "shift":
        shell = shell * 1.3
    young = rng.random(rows) < 1.0 / (1.0 + np.exp(rings - 8.0))
    sex = np.where(young, "I", np.where(rng.random(rows) < 0.5, "M", "F"))
    ids = pl.int_range(0, rows, eager=True).cast(pl.String).str.pad_start(6, "0")
    return pl.DataFrame(
        {
            "id": f"ab-{seed}-" + ids,
            "Sex": sex,
            "Length": length,
            "Diameter": diameter,
            "Height": height,
            "Whole weight": whole,
            "Shucked weight": shucked,
            "Viscera weight": viscera,
            "Shell weight": shell,
            "Rings": rings.astype(np.int64),
        }
    )
