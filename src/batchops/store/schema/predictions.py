"""The index of prediction and ground-truth files: which files, from which run, arriving when.

The rows themselves stay in Parquet files (one per output file or label upload), joined
columnar; the database holds one row per file, never one per prediction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from batchops.store.schema import Base, UTCDateTime, utcnow


class PredictionSetRow(Base):
    __tablename__ = "prediction_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uri: Mapped[str] = mapped_column(Text)
    """The Parquet file of inference_id, probability, input_file, row."""
    execution_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    step_name: Mapped[str | None] = mapped_column(String(256), default=None)
    group_name: Mapped[str | None] = mapped_column(String(256), default=None)
    version: Mapped[int | None] = mapped_column(Integer, default=None)
    role: Mapped[str] = mapped_column(String(32), default="champion")
    input_uri: Mapped[str | None] = mapped_column(Text, default=None)
    baseline_uri: Mapped[str | None] = mapped_column(Text, default=None)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    predicted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GroundTruthSetRow(Base):
    __tablename__ = "ground_truth_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uri: Mapped[str] = mapped_column(Text)
    """The Parquet file of inference_id, label (0/1)."""
    source: Mapped[str] = mapped_column(Text)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
