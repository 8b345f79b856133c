"""Synthetic churn rows in the model's layout: what PrepareData writes, ready to score.

Headerless, the label first (0/1), then the one-hot encoded features, as the original
walkthrough's batch and train files are. The encoding is `encoding.py`'s, with a vocabulary
of every category the generator draws, so the columns are those of a model trained on any
generated file that holds every category (the default 5,000 rows do).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from batchops.errors import InvalidInput
from batchops.examples.churn.data import STATES, area_code, write_churn_csv
from batchops.examples.churn.encoding import Vocabulary, build_vocabulary, prepare_batch_file

#: Drift kinds whose rows still encode (the others change columns or values the model's
#: layout has no place for: monitor their raw CSV instead).
PREPARED_DRIFT_KINDS: tuple[str, ...] = ("shift", "new-category")


def generator_vocabulary() -> Vocabulary:
    """Every category `write_churn_csv` draws, sorted as PrepareData sorts them."""
    import polars as pl

    plans = ["no", "yes"] * (len(STATES) // 2 + 1)
    frame = pl.DataFrame(
        {
            "State": list(STATES),
            "Area Code": [str(area_code(state)) for state in STATES],
            "Int'l Plan": plans[: len(STATES)],
            "VMail Plan": plans[: len(STATES)],
        }
    )
    return build_vocabulary(frame)


def write_prepared_csv(
    path: str | Path,
    rows: int,
    *,
    seed: int = 0,
    drift: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write `rows` generated rows, encoded as PrepareData encodes them, to `path`."""
    if drift is not None and drift not in PREPARED_DRIFT_KINDS:
        raise InvalidInput(
            f"drift {drift!r} cannot be written --prepared: the model's layout has no place "
            f"for it; use one of {', '.join(PREPARED_DRIFT_KINDS)}, or the raw CSV"
        )
    target = Path(path)
    if target.is_dir():
        raise InvalidInput(f"{target} is a directory; give a file name for the CSV")
    folder = target.parent if str(target.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    handle, raw_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".raw.csv", dir=folder)
    os.close(handle)
    try:
        raw = write_churn_csv(raw_name, rows, seed=seed, drift=drift, progress=progress)
        return prepare_batch_file(raw, generator_vocabulary(), target, with_label=True)
    finally:
        Path(raw_name).unlink(missing_ok=True)
