"""The preprocessing a model was trained behind, carried in its artifact as `preprocessing.json`.

A daily extract arrives raw (named columns, categories as text); the model reads numbers in
the training layout. The layout is what `pandas.get_dummies` over the training columns gives:
the numeric columns as they are, then one 0/1 column `<column>_<value>` per training
category, block after block. Applying it to a raw frame is columnar (polars); a category the
training data never had gives zeros in its block, as get_dummies would, and is counted so the
report can show it. The document is the one PrepareData writes as vocabulary.json, so the
model version carries exactly the encoding its training data went through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from batchops.data.jsonfiles import parse_json
from batchops.errors import InvalidInput

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

PREPROCESSING_FILE = "preprocessing.json"
KIND = "one_hot"
MAX_PREPROCESSING_BYTES = 16 << 20
MAX_CATEGORIES = 100_000


@dataclass(frozen=True)
class Preprocessing:
    """Raw named columns -> the model's numeric layout (numeric columns, then one-hot blocks)."""

    numeric: list[str]
    categorical: dict[str, list[str]]
    label: str | None = None
    positive_label: str | None = None
    dropped: list[str] = field(default_factory=list)

    @property
    def feature_names(self) -> list[str]:
        dummies = [f"{c}_{v}" for c, values in self.categorical.items() for v in values]
        return [*self.numeric, *dummies]

    @property
    def raw_columns(self) -> list[str]:
        """The raw columns the model needs (the label and dropped columns are not among them)."""
        return [*self.numeric, *self.categorical]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": KIND,
            "target": self.label,
            "positive_label": self.positive_label,
            "dropped": list(self.dropped),
            "numeric": list(self.numeric),
            "categorical": {c: list(v) for c, v in self.categorical.items()},
            "feature_names": self.feature_names,
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = PREPROCESSING_FILE) -> Preprocessing:
        """Checked as input from anywhere: lists of short strings, bounded counts."""
        if not isinstance(data, Mapping):
            raise InvalidInput(f"{source}: expected a JSON object")
        numeric = _strings(data.get("numeric"), f"{source}: numeric")
        categorical_doc = data.get("categorical")
        if not isinstance(categorical_doc, Mapping):
            raise InvalidInput(f"{source}: categorical must be an object of category lists")
        categorical = {
            str(column): _strings(values, f"{source}: categorical.{column}")
            for column, values in categorical_doc.items()
        }
        if sum(len(v) for v in categorical.values()) > MAX_CATEGORIES:
            raise InvalidInput(f"{source}: more than {MAX_CATEGORIES} categories")
        label = data.get("target", data.get("label"))
        positive = data.get("positive_label")
        dropped = _strings(data.get("dropped", []), f"{source}: dropped")
        made = cls(
            numeric,
            categorical,
            label if isinstance(label, str) else None,
            positive if isinstance(positive, str) else None,
            dropped,
        )
        names = data.get("feature_names")
        if names is not None and list(names) != made.feature_names:
            raise InvalidInput(
                f"{source}: feature_names do not follow numeric then one-hot blocks in order"
            )
        return made

    @classmethod
    def from_json(cls, text: str | bytes, source: str = PREPROCESSING_FILE) -> Preprocessing:
        return cls.from_dict(parse_json(text, source, max_bytes=MAX_PREPROCESSING_BYTES), source)

    def is_raw_header(self, header: list[str]) -> bool:
        """A header naming raw columns (not the encoded layout's): the input is a raw extract."""
        encoded = set(self.feature_names) - set(self.numeric)
        named = set(header)
        return bool(named & set(self.categorical)) and not (named & encoded)

    def apply(self, frame: pl.DataFrame, source: str = "input") -> Encoded:
        """The model's float32 features for raw rows (text columns), and unknown categories.

        A missing raw column or a number that does not parse is InvalidInput naming the
        column (and the first bad row, counted from 1).
        """
        import numpy as np
        import polars as pl

        missing = [c for c in self.raw_columns if c not in frame.columns]
        if missing:
            raise InvalidInput(
                f"{source}: missing column(s) {', '.join(map(repr, missing))} that the model "
                f"needs (it reads {', '.join(self.raw_columns)})"
            )
        numbers = []
        for column in self.numeric:
            text = pl.col(column).cast(pl.String).str.strip_chars()
            numbers.append(text.cast(pl.Float64, strict=False).alias(column))
            bad = frame.select(
                (text.cast(pl.Float64, strict=False).is_null() & (text != ""))
                .fill_null(False)
                .arg_true()
            ).to_series()
            if bad.len():
                row = int(bad[0])
                raise InvalidInput(
                    f"{source}, row {row + 1}: column {column!r} holds "
                    f"{frame.item(row, column)!r}, not a number"
                )
        dummies = [
            (pl.col(c).cast(pl.String) == v).fill_null(False).cast(pl.Float32).alias(f"{c}_{v}")
            for c, values in self.categorical.items()
            for v in values
        ]
        unknown_exprs = [
            (~pl.col(c).cast(pl.String).is_in(values) & pl.col(c).is_not_null()).sum().alias(c)
            for c, values in self.categorical.items()
        ]
        encoded = frame.select([*numbers, *dummies])
        counts = frame.select(unknown_exprs).row(0, named=True) if unknown_exprs else {}
        features = np.ascontiguousarray(encoded.to_numpy(), dtype=np.float32)
        return Encoded(features, {c: int(n) for c, n in counts.items() if n})


@dataclass(frozen=True)
class Encoded:
    features: np.ndarray
    unknown_categories: dict[str, int]
    """Per categorical column, the rows whose value training never saw (scored as zeros)."""


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= 1024 for v in value):
        raise InvalidInput(f"{where} must be a list of short strings")
    return list(value)


def preprocessing_from_schema(document: Any, source: str) -> Preprocessing | None:
    """The preprocessing a training schema describes, when it has one (numeric + categorical)."""
    if isinstance(document, Mapping) and "categorical" in document and "numeric" in document:
        return Preprocessing.from_dict(document, source)
    return None
