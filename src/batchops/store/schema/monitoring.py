"""Per-feature figures of monitoring runs, kept so alarms and trend pages can read them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from batchops.store.schema import Base, utcnow


class MonitoringMetricRow(Base):
    __tablename__ = "monitoring_metrics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_uri: Mapped[str] = mapped_column(Text)
    execution_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    step_name: Mapped[str | None] = mapped_column(String(256), default=None)
    metric: Mapped[str] = mapped_column(String(512), index=True)
    value: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    series_key: Mapped[str | None] = mapped_column(String(1024), default=None, unique=True)
    """Set on figures that a later run replaces instead of adding a datapoint: model quality
    by (metric, group/version, prediction date), updated when late labels arrive."""
