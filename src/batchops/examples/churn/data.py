"""Synthetic customer-churn data shaped like the walkthrough's published `churn.txt`.

The AWS walkthrough "MLOps for batch use cases" trains on a synthetic telecom file of 5,000
rows. Its generator is public in spirit: 14 numeric features from a two-class Gaussian model
shifted by 5 and folded to positive values, the call counts truncated to integers (night calls
in steps of 50, voice-mail messages in steps of 100 and zero without a voice-mail plan), a
state drawn uniformly from 51 codes, an area code made of the state letters' character codes
(so 33 codes from 657 to 878), a random `ddd-dddd` phone, and yes/no plans at random. We
imitate that shape with our own fixed class model, so the published file and ours run
through the same pipeline and XGBoost learns both well.

Generation streams in chunks of `CHUNK_ROWS`, each from its own random stream derived from
(seed, chunk), so memory stays bounded, the same seed gives the same bytes, and a file of n
rows is the first n rows of any longer file of the same seed. Phones are a
keyed permutation of the 10^7 `ddd-dddd` numbers, hence unique across chunks.

Drift kinds (`--drift`) change a clean file in one documented way each, so a data-quality
monitor has something definite to find; `DRIFT_EFFECTS` says which check should fire on which
raw column. A drifted file equals the clean file of the same seed outside those columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from batchops.errors import InvalidInput

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

RAW_COLUMNS: tuple[str, ...] = (
    "State",
    "Account Length",
    "Area Code",
    "Phone",
    "Int'l Plan",
    "VMail Plan",
    "VMail Message",
    "Day Mins",
    "Day Calls",
    "Day Charge",
    "Eve Mins",
    "Eve Calls",
    "Eve Charge",
    "Night Mins",
    "Night Calls",
    "Night Charge",
    "Intl Mins",
    "Intl Calls",
    "Intl Charge",
    "CustServ Calls",
    "Churn?",
)
TARGET = "Churn?"
#: Unique per row (an identifier): a monitor should not expect its values to recur.
ID_COLUMNS: tuple[str, ...] = ("Phone",)

STATES: tuple[str, ...] = (
    "AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "HI", "IA",
    "ID", "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS",
    "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA",
    "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA", "WI", "WV", "WY",
)  # fmt: skip


def area_code(state: str) -> int:
    """The published file's area code: the first three digits of the letters' char codes."""
    return int((str(ord(state[0])) + str(ord(state[1])))[:3])


DEFAULT_ROWS = 5000
CHUNK_ROWS = 100_000
PHONE_SPACE = 10_000_000  # every ddd-dddd number
MAX_ROWS = PHONE_SPACE


@dataclass(frozen=True)
class _Feature:
    """One numeric column: value = |base + effect * (+1 churner / -1 not) + shared + noise|.

    `shared` mixes three latent usage factors, so minutes and charges move together as in the
    published file. Counts are truncated to integers, capped, and multiplied by `step`.
    """

    name: str
    base: float
    effect: float
    loadings: tuple[float, float, float]
    noise: float
    count_cap: int | None = None
    step: int = 1


# Churners talk more by day and evening and pay more; they make fewer night and evening
# calls and keep fewer voice-mail messages. Means and ranges follow the published file.
_FEATURES: tuple[_Feature, ...] = (
    _Feature("VMail Message", 4.5, -1.6, (0.0, 0.0, 0.4), 1.9, count_cap=13, step=100),
    _Feature("Day Mins", 5.5, 1.7, (1.0, 0.0, 0.0), 2.0),
    _Feature("Day Calls", 4.0, 0.0, (0.3, 0.0, 0.0), 1.8, count_cap=10),
    _Feature("Day Charge", 5.0, 1.2, (0.9, 0.3, 0.0), 1.6),
    _Feature("Eve Mins", 5.0, 1.6, (0.0, 1.0, 0.0), 1.9),
    _Feature("Eve Calls", 4.5, -1.4, (0.0, 0.3, 0.0), 1.9, count_cap=14),
    _Feature("Eve Charge", 5.0, 1.0, (0.3, 0.9, 0.0), 1.5),
    _Feature("Night Mins", 4.0, -0.3, (0.0, 0.0, 0.9), 1.3),
    _Feature("Night Calls", 5.0, -1.6, (0.0, 0.0, 0.3), 1.8, count_cap=11, step=50),
    _Feature("Night Charge", 5.0, 0.8, (0.0, 0.0, 0.8), 1.2),
    _Feature("Intl Mins", 5.0, 0.2, (0.2, 0.0, 0.3), 1.6),
    _Feature("Intl Calls", 5.0, 0.0, (0.0, 0.0, 0.0), 1.8, count_cap=12),
    _Feature("Intl Charge", 5.0, 0.8, (0.0, 0.3, 0.3), 1.4),
    _Feature("CustServ Calls", 5.5, 0.4, (0.0, 0.0, 0.0), 2.0, count_cap=13),
)

# --- drift -----------------------------------------------------------------------------------

#: Added to shifted columns: about four standard deviations of each.
SHIFTS: dict[str, float] = {"Day Mins": 12.0, "Eve Mins": 10.0, "CustServ Calls": 8}
#: Codes outside the 51 (US territories), given to NEW_CATEGORY_SHARE of the rows.
NEW_STATES: tuple[str, ...] = ("PR", "GU", "VI", "AS", "MP")
NEW_CATEGORY_SHARE = 0.25
MISSING_COLUMNS: tuple[str, ...] = ("State", "Night Mins", "Intl Calls")
MISSING_SHARE = 0.2
DROPPED_COLUMN = "Eve Calls"
EXTRA_COLUMN = "Loyalty Points"
TEXT_COLUMN = "Account Length"
TEXT_VALUE = "unknown"
TEXT_SHARE = 0.15

DRIFT_DESCRIPTIONS: dict[str, str] = {
    "shift": "Day Mins +12, Eve Mins +10, CustServ Calls +8 (about 4 standard deviations)",
    "new-category": f"State is one of {', '.join(NEW_STATES)} in 25% of rows (never in the data)",
    "missing": f"{', '.join(MISSING_COLUMNS)} empty in 20% of rows each",
    "drop-column": f"no {DROPPED_COLUMN} column",
    "extra-column": f"an added last column {EXTRA_COLUMN} (integers)",
    "text-in-numeric": f"{TEXT_COLUMN} is the text {TEXT_VALUE!r} in 15% of rows",
    "mix": "shift, new-category, missing, text-in-numeric and extra-column at once",
}
DRIFT_KINDS: tuple[str, ...] = tuple(DRIFT_DESCRIPTIONS)
_MIX = ("shift", "new-category", "missing", "text-in-numeric", "extra-column")

_SINGLE_EFFECTS: dict[str, dict[str, list[str]]] = {
    "shift": {"baseline_drift_check": list(SHIFTS)},
    "new-category": {"categorical_values_check": ["State"]},
    "missing": {"completeness_check": list(MISSING_COLUMNS)},
    "drop-column": {"missing_column_check": [DROPPED_COLUMN]},
    "extra-column": {"extra_column_check": [EXTRA_COLUMN]},
    "text-in-numeric": {"data_type_check": [TEXT_COLUMN]},
}


def _mixed_effects() -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for kind in _MIX:
        for check, columns in _SINGLE_EFFECTS[kind].items():
            listed = merged.setdefault(check, [])
            listed.extend(column for column in columns if column not in listed)
    return merged


#: kind -> {Model Monitor check type -> raw column names it must flag}. Nothing else changes:
#: the other columns keep the clean file's values, so no other check should fire.
DRIFT_EFFECTS: dict[str, dict[str, list[str]]] = {**_SINGLE_EFFECTS, "mix": _mixed_effects()}


def check_drift_kind(drift: str | None) -> None:
    if drift is not None and drift not in DRIFT_DESCRIPTIONS:
        raise InvalidInput(f"unknown drift kind {drift!r}; valid kinds: {', '.join(DRIFT_KINDS)}")


# --- writing ---------------------------------------------------------------------------------


def write_churn_csv(
    path: str | Path,
    rows: int = DEFAULT_ROWS,
    *,
    seed: int = 0,
    drift: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write `rows` synthetic churn rows with a header to `path` (atomically); return the path.

    `progress` is called with the number of rows written after each chunk.
    """
    from batchops.store.artifacts import atomic_open

    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise InvalidInput(f"rows must be a whole number of at least 1, got {rows!r}")
    if rows > MAX_ROWS:
        raise InvalidInput(
            f"rows {rows} exceeds {MAX_ROWS:,}: phones are unique ddd-dddd numbers, and there "
            f"are only {PHONE_SPACE:,} of them; for more, write several files (phones are "
            "unique within a file)"
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInput(f"seed must be a whole number of at least 0, got {seed!r}")
    check_drift_kind(drift)
    target = Path(path)
    if target.is_dir():
        raise InvalidInput(f"{target} is a directory; give a file name for the CSV")
    keys = _phone_keys(seed)
    with atomic_open(target, "wb") as handle:
        for chunk, start in enumerate(range(0, rows, CHUNK_ROWS)):
            frame = generate_chunk(seed, chunk, keys)
            if drift is not None:
                frame = apply_drift(frame, drift, _stream(seed, chunk, 1))
            frame.head(rows - start).write_csv(handle, include_header=chunk == 0)
            if progress is not None:
                progress(min(rows, start + CHUNK_ROWS))
    return target


def generate_chunk(seed: int, chunk: int, keys: np.ndarray | None = None) -> pl.DataFrame:
    """Rows `chunk * CHUNK_ROWS` onwards (CHUNK_ROWS of them) of the clean data for `seed`.

    Always a whole chunk, so that a shorter file is a prefix of a longer one.
    """
    import numpy as np
    import polars as pl

    count, start = CHUNK_ROWS, chunk * CHUNK_ROWS
    rng = _stream(seed, chunk, 0)
    churn = rng.random(count) < 0.5
    sign = np.where(churn, 1.0, -1.0)
    latent = rng.standard_normal((count, 3))
    states = rng.integers(0, len(STATES), count)
    intl_plan = rng.random(count) < 0.5
    vmail_plan = rng.random(count) < 0.5
    account_length = rng.integers(1, 201, count)
    numbers: dict[str, np.ndarray] = {}
    for feature in _FEATURES:
        raw = (
            feature.base
            + feature.effect * sign
            + latent @ np.asarray(feature.loadings)
            + feature.noise * rng.standard_normal(count)
        )
        value = np.abs(raw)
        if feature.count_cap is None:
            numbers[feature.name] = value
        else:
            numbers[feature.name] = np.minimum(value.astype(np.int64), feature.count_cap) * (
                feature.step
            )
    numbers["VMail Message"] = np.where(vmail_plan, numbers["VMail Message"], 0)
    phones = _phone_numbers(
        np.arange(start, start + count, dtype=np.int64),
        keys if keys is not None else _phone_keys(seed),
    )
    state_codes = np.asarray(STATES)
    area_codes = np.asarray([area_code(s) for s in STATES], dtype=np.int64)
    yes_no = np.asarray(["no", "yes"])
    columns: dict[str, object] = {
        "State": state_codes[states],
        "Account Length": account_length,
        "Area Code": area_codes[states],
        "Phone": phones,
        "Int'l Plan": yes_no[intl_plan.astype(np.int64)],
        "VMail Plan": yes_no[vmail_plan.astype(np.int64)],
        **numbers,
        "Churn?": np.where(churn, "True.", "False."),
    }
    frame = pl.DataFrame({name: columns[name] for name in RAW_COLUMNS})
    return frame.with_columns(
        pl.format(
            "{}-{}",
            (pl.col("Phone") // 10_000).cast(pl.String).str.zfill(3),
            (pl.col("Phone") % 10_000).cast(pl.String).str.zfill(4),
        ).alias("Phone")
    )


def apply_drift(frame: pl.DataFrame, drift: str, rng: np.random.Generator) -> pl.DataFrame:
    """The chunk with one drift kind applied (see DRIFT_DESCRIPTIONS)."""
    import polars as pl

    check_drift_kind(drift)
    if drift == "mix":
        for kind in _MIX:
            frame = apply_drift(frame, kind, rng)
        return frame
    count = frame.height
    if drift == "shift":
        return frame.with_columns(pl.col(name) + amount for name, amount in SHIFTS.items())
    if drift == "new-category":
        chosen = rng.random(count) < NEW_CATEGORY_SHARE
        codes = pl.Series(NEW_STATES).gather(rng.integers(0, len(NEW_STATES), count))
        return frame.with_columns(
            pl.when(pl.Series(chosen)).then(codes).otherwise(pl.col("State")).alias("State")
        )
    if drift == "missing":
        return frame.with_columns(
            pl.when(pl.Series(rng.random(count) >= MISSING_SHARE)).then(pl.col(name)).alias(name)
            for name in MISSING_COLUMNS
        )
    if drift == "drop-column":
        return frame.drop(DROPPED_COLUMN)
    if drift == "extra-column":
        return frame.with_columns(pl.Series(EXTRA_COLUMN, rng.integers(0, 5_000, count)))
    # text-in-numeric
    return frame.with_columns(
        pl.when(pl.Series(rng.random(count) < TEXT_SHARE))
        .then(pl.lit(TEXT_VALUE))
        .otherwise(pl.col(TEXT_COLUMN).cast(pl.String))
        .alias(TEXT_COLUMN)
    )


def _stream(seed: int, chunk: int, purpose: int) -> np.random.Generator:
    """An independent random stream per (seed, chunk, purpose): 0 clean data, 1 drift."""
    import numpy as np

    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, chunk, purpose])))


# --- unique phones ----------------------------------------------------------------------------

_HALF_BITS = 12  # a 24-bit Feistel network covers the 10^7 numbers with few re-encryptions
_HALF_MASK = (1 << _HALF_BITS) - 1


def _phone_keys(seed: int) -> np.ndarray:
    import numpy as np

    return np.random.SeedSequence([seed, 2]).generate_state(4, dtype=np.uint64)


def _phone_numbers(index: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """A keyed permutation of 0 .. PHONE_SPACE-1 evaluated at `index` (cycle-walking Feistel)."""
    import numpy as np

    value = index.astype(np.uint64)
    pending = np.ones(value.shape, dtype=bool)
    while pending.any():
        value[pending] = _feistel(value[pending], keys)
        pending = value >= PHONE_SPACE
    return value.astype(np.int64)


def _feistel(value: np.ndarray, keys: np.ndarray) -> np.ndarray:
    import numpy as np

    left = (value >> np.uint64(_HALF_BITS)) & np.uint64(_HALF_MASK)
    right = value & np.uint64(_HALF_MASK)
    for key in keys:
        mixed = (right * np.uint64(0x9E3779B97F4A7C15)) ^ key
        mixed ^= mixed >> np.uint64(29)
        mixed *= np.uint64(0xBF58476D1CE4E5B9)
        mixed ^= mixed >> np.uint64(32)
        left, right = right, left ^ (mixed & np.uint64(_HALF_MASK))
    return (left << np.uint64(_HALF_BITS)) | right
