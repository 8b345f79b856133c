"""Labels that arrive after the predictions, as SageMaker's ModelQualityMonitor takes them.

A CSV with an id column and a label column, SageMaker's ground-truth JSON Lines records
(`{"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": "…"}}`)
or Parquet. Each upload becomes one Parquet file of (inference_id, label) under the artifact
store, indexed with its arrival time (one database row per file); the later of two labels for
an id wins.

Labels are stored raw, as the text given: what one means (0/1 for a binary model, a class, a
number) is decided when a model-quality job reads it for its problem type (`encode_labels`),
so one upload path serves every problem type. `positive` (`--positive True.`) is kept with the
upload; it refuses a label that is neither that value nor the one other value present, so a
typo (`Ture.`) is caught instead of becoming a negative.

Memory follows the upload, or the execution measured, never the history: an upload is read
and written block by block (`label_files`), its ids kept only as 64-bit hashes (to refuse an
id given twice, and to count the ids no prediction has); a job reads, of every upload, only
the labels of the predictions it measures (a streaming filter on their ids).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batchops.data.files import open_bytes
from batchops.errors import InvalidInput, at_line
from batchops.models.problem_types import BINARY, REGRESSION, ProblemType
from batchops.monitor.label_files import LabelBatch, label_batches
from batchops.store import artifacts
from batchops.store.prediction_files import (
    GroundTruthSet,
    add_ground_truth_set,
    ground_truth_sets,
    prediction_sets,
)

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

POSITIVE_KEY = "batchops.positive"
"""The upload's `--positive` value, kept in its Parquet file's metadata."""
_HASH_SEED = 0x5EED
_BINARY_VALUES = {"0": 0, "1": 1, "0.0": 0, "1.0": 1}


@dataclass(frozen=True)
class GroundTruthAdded:
    uri: str
    rows: int
    unmatched: int
    """Labels whose inference id matches no recorded prediction (counted, not stored apart)."""
    arrived_at: str

    def to_json(self) -> dict[str, object]:
        return {
            "uri": self.uri,
            "rows": self.rows,
            "unmatched": self.unmatched,
            "arrived_at": self.arrived_at,
        }


def add_ground_truth(
    path: str | Path,
    *,
    id_column: str | None = None,
    label_column: str | None = None,
    positive: str | None = None,
    arrived_at: datetime | None = None,
) -> GroundTruthAdded:
    """Store a label upload as Parquet under the artifacts, indexed with its arrival time;
    every bad input is one InvalidInput naming the file and line, and stores nothing."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = str(path)
    moment = arrived_at or datetime.now(UTC)
    target = artifacts.join(
        artifacts.artifacts_root(),
        "ground-truth",
        f"{moment:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.parquet",
    )
    schema = pa.schema([("inference_id", pa.string()), ("label", pa.string())])
    if positive is not None:
        schema = schema.with_metadata({POSITIVE_KEY: positive})
    upload = _Upload(source, positive)
    batches = label_batches(source, id_column=id_column, label_column=label_column)
    with artifacts.atomic_open(target, "wb") as handle:
        with pq.ParquetWriter(handle, schema) as writer:
            for batch in batches:
                ids, labels = upload.checked(batch)
                writer.write_table(pa.table([ids, labels], schema=schema))
        upload.finish(lambda: label_batches(source, id_column=id_column, label_column=label_column))
    add_ground_truth_set(target, source=source, rows=upload.rows, arrived_at=moment)
    unmatched = upload.rows - _matched(upload.sorted_hashes)
    return GroundTruthAdded(target, upload.rows, unmatched, moment.isoformat())


@dataclass
class _Upload:
    """What is checked across an upload's batches: ids present and given once, labels present
    and, with `positive`, of two values at most."""

    source: str
    positive: str | None
    rows: int = 0
    other: str | None = None
    hashes: list[np.ndarray] = field(default_factory=list)
    sorted_hashes: Any = None

    def checked(self, batch: LabelBatch) -> tuple[Any, Any]:
        import pyarrow.compute as pc

        ids = batch.ids
        labels = pc.utf8_trim_whitespace(batch.labels)
        id_name, label_name = batch.names
        for values, what in (
            (ids, f"the inference id ({id_name})"),
            (labels, f"the label ({label_name})"),
        ):
            missing = pc.is_null(values)
            if pc.any(missing).as_py():
                row = pc.index(missing, True).as_py()
                raise at_line(self.source, batch.line_of(row), f"{what} is empty")
        if self.positive is not None:
            self._check_values(labels, batch)
        self.hashes.append(_hashes(ids))
        self.rows += len(ids)
        return ids, labels

    def _check_values(self, labels: Any, batch: LabelBatch) -> None:
        import pyarrow.compute as pc

        for value in pc.unique(labels).to_pylist():
            if value == self.positive or value == self.other:
                continue
            if self.other is None:
                self.other = value
                continue
            row = pc.index(labels, value).as_py()
            raise at_line(
                self.source,
                batch.line_of(row),
                f"label {value!r} is neither the positive value {self.positive!r} nor "
                f"{self.other!r}, the one other value before it (a binary label has two "
                "values; a typo?)",
            )

    def finish(self, read_again: Any) -> None:
        """No labels, or an id given twice, is refused; the second pass over the file (only
        when two hashes agree) names the id and its lines."""
        import numpy as np

        if not self.rows:
            raise InvalidInput(f"{self.source}: no labels")
        every = np.concatenate(self.hashes)
        self.hashes = []  # the batches' arrays go before the sort: one copy at a time
        every.sort()
        same = every[1:][every[1:] == every[:-1]]
        self.sorted_hashes = every
        if same.size:
            _refuse_duplicate(self.source, read_again(), np.unique(same))


def _hashes(ids: Any) -> np.ndarray:
    import polars as pl

    return pl.Series(ids).hash(seed=_HASH_SEED).to_numpy()


def _refuse_duplicate(source: str, batches: Iterator[LabelBatch], suspects: np.ndarray) -> None:
    import numpy as np

    first_line: dict[str, int | None] = {}
    for batch in batches:
        hashes = _hashes(batch.ids)
        for row in np.flatnonzero(np.isin(hashes, suspects)):
            key = batch.ids[int(row)].as_py()
            line = batch.line_of(int(row))
            if key in first_line:
                first = f" (first on line {first_line[key]})" if line is not None else ""
                raise at_line(source, line, f"inference id {key!r} appears more than once{first}")
            first_line[key] = line


def _matched(sorted_hashes: np.ndarray) -> int:
    """How many of the upload's ids some recorded prediction has: each prediction file's ids
    hashed, one file at a time, and looked up among the upload's sorted hashes."""
    import numpy as np
    import pyarrow.parquet as pq

    found = np.zeros(sorted_hashes.size, dtype=bool)
    for item in prediction_sets():
        if not artifacts.exists(item.uri):
            continue
        with open_bytes(item.uri) as handle:
            for batch in pq.ParquetFile(handle).iter_batches(columns=["inference_id"]):
                hashes = np.sort(_hashes(batch.column(0)))  # sorted lookups: 5x fewer misses
                at = np.minimum(np.searchsorted(sorted_hashes, hashes), sorted_hashes.size - 1)
                found[at[sorted_hashes[at] == hashes]] = True
    return int(found.sum())


def labels_for(ids: pl.Series, uploads: Sequence[GroundTruthSet] | None = None) -> pl.DataFrame:
    """The newest label of each of `ids` that has one: `inference_id`, `label` (raw text),
    `positive` (the upload's `--positive`, or null) and `source` (the file uploaded).

    Every upload (`uploads`, in arrival order; default: all, from the database) is scanned
    with a streaming filter on `ids`, so memory follows `ids`. A Dask worker is given the
    uploads by the host: it reads files, never the database."""
    import polars as pl

    wanted = ids.unique().implode()
    frames = []
    for order, item in enumerate(ground_truth_sets() if uploads is None else uploads):
        if not artifacts.exists(item.uri):
            continue
        found = (
            pl.scan_parquet(item.uri)
            .filter(pl.col("inference_id").cast(pl.String).is_in(wanted))
            .select(pl.col("inference_id").cast(pl.String), pl.col("label").cast(pl.String))
            .collect(engine="streaming")
        )
        if found.height:
            frames.append(
                found.with_columns(
                    pl.lit(order).alias("_order"),
                    pl.lit(_positive_of(item.uri), dtype=pl.String).alias("positive"),
                    pl.lit(item.source).alias("source"),
                )
            )
    if not frames:
        return pl.DataFrame(
            schema={
                "inference_id": pl.String,
                "label": pl.String,
                "positive": pl.String,
                "source": pl.String,
            }
        )
    return (
        pl.concat(frames)
        .sort("_order")
        .unique("inference_id", keep="last", maintain_order=False)
        .drop("_order")
    )


def _positive_of(uri: str) -> str | None:
    import polars as pl

    return pl.read_parquet_metadata(uri).get(POSITIVE_KEY)


def class_names(values: pl.Expr) -> pl.Expr:
    """Text as a class name: a whole number written as a float (`2.0`) is the class `2`."""
    return values.str.replace(r"^(-?\d+)\.0*$", "${1}")


def encode_labels(frame: pl.DataFrame, problem: ProblemType) -> pl.DataFrame:
    """`label` as the problem type reads it: 0/1 (Int8) for binary (the upload's positive
    value, else the text 0 or 1), a number (Float64) for regression, a class name (text,
    `2.0` read as `2`) for multiclass; null labels stay null. A label that does not fit is
    one InvalidInput naming it, its id and the file it came from."""
    import polars as pl

    label = pl.col("label").str.strip_chars()
    given = frame.get_column("label").is_not_null()
    positive = frame.get_column("positive") if "positive" in frame.columns else None
    if problem is REGRESSION:
        encoded = frame.select(label.cast(pl.Float64, strict=False)).to_series()
        what = "is not a number"
    elif problem is BINARY:
        by_value = label.replace_strict(_BINARY_VALUES, default=None, return_dtype=pl.Int8)
        chosen = (
            pl.when(pl.col("positive").is_not_null())
            .then((label == pl.col("positive")).cast(pl.Int8))
            .otherwise(by_value)
            if positive is not None
            else by_value
        )
        encoded = frame.select(chosen).to_series()
        what = "is not 0 or 1: upload it with --positive naming the positive value"
    else:
        encoded = frame.select(class_names(label)).to_series()
        what = ""
    bad = (given & encoded.is_null()).arg_true()
    if bad.len():
        row = frame.row(int(bad[0]), named=True)
        origin = f" (from {row['source']})" if row.get("source") else ""
        raise InvalidInput(
            f"label {row['label']!r} of inference id {row['inference_id']!r}{origin} {what} "
            f"({problem.name})"
        )
    return frame.with_columns(encoded.alias("label"))
