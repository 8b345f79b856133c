"""Labels that arrive after the predictions, as SageMaker's ModelQualityMonitor takes them.

A CSV with an id column and a label column (0/1, or `positive` naming the positive value such
as `True.`), or SageMaker's ground-truth JSON Lines records
(`{"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": "…"}}`).
Each upload becomes one Parquet file of (inference_id, label) under the artifact store, indexed
with its arrival time; the later of two labels for an id wins.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from batchops.errors import InvalidInput
from batchops.store import artifacts
from batchops.store.prediction_files import add_ground_truth_set, ground_truth_sets, prediction_sets

if TYPE_CHECKING:
    import polars as pl

JSONL_SUFFIXES = (".jsonl", ".json", ".jsonlines")


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


def read_labels(
    path: str | Path,
    *,
    id_column: str | None = None,
    label_column: str | None = None,
    positive: str | None = None,
) -> pl.DataFrame:
    """(inference_id, label 0/1) of a label file; every bad input is one InvalidInput."""
    import polars as pl

    source = str(path)
    try:
        data = artifacts.read_bytes(source)
    except FileNotFoundError:
        raise InvalidInput(f"{source} does not exist") from None
    if source.lower().endswith(JSONL_SUFFIXES):
        ids, labels = _jsonl_records(data, source)
        frame = pl.DataFrame(
            {"inference_id": ids, "label": labels},
            schema={"inference_id": pl.String, "label": pl.String},
        )
    else:
        if not id_column or not label_column:
            raise InvalidInput(f"{source}: a CSV of labels needs --id-column and --label-column")
        try:
            raw = pl.read_csv(io.BytesIO(data), infer_schema=False)
        except pl.exceptions.PolarsError as exc:
            raise InvalidInput(
                f"{source}: not a readable CSV ({str(exc).splitlines()[0]})"
            ) from exc
        for column in (id_column, label_column):
            if column not in raw.columns:
                raise InvalidInput(
                    f"{source}: no column {column!r} (it has {', '.join(raw.columns)})"
                )
        frame = raw.select(
            pl.col(id_column).alias("inference_id"), pl.col(label_column).alias("label")
        )
    return _checked(frame, source, positive)


def _jsonl_records(data: bytes, source: str) -> tuple[list[str], list[str]]:
    ids: list[str] = []
    labels: list[str] = []
    for number, line in enumerate(data.decode("utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            event_id = record["eventMetadata"]["eventId"]
            label = record["groundTruthData"]["data"]
        except (ValueError, KeyError, TypeError):
            raise InvalidInput(
                f"{source}, line {number}: expected a ground-truth record with "
                "groundTruthData.data and eventMetadata.eventId"
            ) from None
        ids.append(str(event_id))
        labels.append(str(label))
    return ids, labels


def _checked(frame: pl.DataFrame, source: str, positive: str | None) -> pl.DataFrame:
    import polars as pl

    frame = frame.with_columns(
        pl.col("inference_id").cast(pl.String), pl.col("label").cast(pl.String).str.strip_chars()
    )
    if frame.height == 0:
        raise InvalidInput(f"{source}: no labels")
    empty = frame.get_column("inference_id").is_null().arg_true()
    if empty.len():
        raise InvalidInput(f"{source}, record {int(empty[0]) + 1}: the inference id is empty")
    duplicated = frame.filter(pl.col("inference_id").is_duplicated())
    if duplicated.height:
        raise InvalidInput(
            f"{source}: inference id {duplicated.item(0, 'inference_id')!r} appears more than "
            f"once ({duplicated.height} rows share an id)"
        )
    label = pl.col("label")
    if positive is not None:
        encoded = label == positive
    else:
        bad = frame.filter(~label.is_in(["0", "1", "0.0", "1.0"]).fill_null(False))
        if bad.height:
            raise InvalidInput(
                f"{source}: label {bad.item(0, 'label')!r} (id {bad.item(0, 'inference_id')!r}) "
                "is not 0 or 1; name the positive value with --positive"
            )
        encoded = label.is_in(["1", "1.0"])
    return frame.select("inference_id", encoded.fill_null(False).cast(pl.Int8).alias("label"))


def add_ground_truth(
    path: str | Path,
    *,
    id_column: str | None = None,
    label_column: str | None = None,
    positive: str | None = None,
    arrived_at: datetime | None = None,
) -> GroundTruthAdded:
    """Store a label upload as Parquet under the artifacts, indexed with its arrival time."""
    import polars as pl

    labels = read_labels(path, id_column=id_column, label_column=label_column, positive=positive)
    moment = arrived_at or datetime.now(UTC)
    target = artifacts.join(
        artifacts.artifacts_root(),
        "ground-truth",
        f"{moment:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.parquet",
    )
    buffer = io.BytesIO()
    labels.write_parquet(buffer)
    artifacts.write_bytes(target, buffer.getvalue())
    add_ground_truth_set(target, source=str(path), rows=labels.height, arrived_at=moment)
    known = [s.uri for s in prediction_sets() if artifacts.exists(s.uri)]
    unmatched = labels.height
    if known:
        ids = pl.scan_parquet(known).select("inference_id")
        matched = labels.lazy().join(ids, on="inference_id", how="semi").collect().height
        unmatched = labels.height - matched
    return GroundTruthAdded(target, labels.height, unmatched, moment.isoformat())


def latest_labels() -> pl.DataFrame:
    """Every label recorded so far, the latest arrival winning for an id."""
    import polars as pl

    sets = [s for s in ground_truth_sets() if artifacts.exists(s.uri)]
    if not sets:
        return pl.DataFrame(schema={"inference_id": pl.String, "label": pl.Int8})
    frames = [
        pl.scan_parquet(s.uri).with_columns(pl.lit(order).alias("_order"))
        for order, s in enumerate(sets)
    ]
    return (
        pl.concat(frames)
        .sort("_order")
        .unique("inference_id", keep="last", maintain_order=False)
        .select("inference_id", "label")
        .collect()
    )
