"""Where predictions and ground truth are: their Parquet files, indexed by run and arrival.

`index_prediction_files` is called with the output files a traced transform wrote,
`add_ground_truth_set` once per label upload; readers get the files back (newest last) and
join them columnar (`batchops.monitor.model_quality`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select

from batchops.store.db import session_scope
from batchops.store.schema.predictions import GroundTruthSetRow, PredictionSetRow


@dataclass(frozen=True)
class PredictionSet:
    uri: str
    execution_id: str | None
    step_name: str | None
    group: str | None
    version: int | None
    role: str
    input_uri: str | None
    baseline_uri: str | None
    rows: int
    predicted_at: datetime


@dataclass(frozen=True)
class GroundTruthSet:
    uri: str
    source: str
    rows: int
    arrived_at: datetime


@dataclass(frozen=True)
class NewPredictionFile:
    """One Parquet file a traced transform wrote, as it is indexed."""

    uri: str
    rows: int


def index_prediction_files(
    files: list[NewPredictionFile],
    *,
    execution_id: str | None = None,
    step_name: str | None = None,
    group: str | None = None,
    version: int | None = None,
    role: str = "champion",
    input_uri: str | None = None,
    baseline_uri: str | None = None,
) -> None:
    """Index a transform's files in one transaction, replacing what indexed them before:
    the step's earlier attempt (a retry rewrote its output) and any run whose files these
    overwrote. A file is indexed once, so labels join each prediction once."""
    replaced: ColumnElement[bool] = PredictionSetRow.uri.in_([file.uri for file in files])
    if execution_id is not None and step_name is not None:
        same_step = (PredictionSetRow.execution_id == execution_id) & (
            PredictionSetRow.step_name == step_name
        )
        replaced = replaced | same_step
    with session_scope() as session:
        session.execute(delete(PredictionSetRow).where(replaced))
        for file in files:
            session.add(
                PredictionSetRow(
                    uri=file.uri,
                    rows=file.rows,
                    execution_id=execution_id,
                    step_name=step_name,
                    group_name=group,
                    version=version,
                    role=role,
                    input_uri=input_uri,
                    baseline_uri=baseline_uri,
                )
            )


def prediction_sets(execution_id: str | None = None) -> list[PredictionSet]:
    """Every indexed prediction file (of one execution when given), oldest first."""
    query = select(PredictionSetRow).order_by(PredictionSetRow.id)
    if execution_id is not None:
        query = query.where(PredictionSetRow.execution_id == execution_id)
    with session_scope() as session:
        return [
            PredictionSet(
                r.uri,
                r.execution_id,
                r.step_name,
                r.group_name,
                r.version,
                r.role,
                r.input_uri,
                r.baseline_uri,
                r.rows,
                r.predicted_at,
            )
            for r in session.scalars(query)
        ]


def add_ground_truth_set(uri: str, *, source: str, rows: int, arrived_at: datetime) -> None:
    with session_scope() as session:
        session.add(GroundTruthSetRow(uri=uri, source=source, rows=rows, arrived_at=arrived_at))


def ground_truth_sets() -> list[GroundTruthSet]:
    """Every label upload, in arrival order (a later label for an id replaces an earlier one)."""
    with session_scope() as session:
        rows = session.scalars(
            select(GroundTruthSetRow).order_by(GroundTruthSetRow.arrived_at, GroundTruthSetRow.id)
        )
        return [GroundTruthSet(r.uri, r.source, r.rows, r.arrived_at) for r in rows]
