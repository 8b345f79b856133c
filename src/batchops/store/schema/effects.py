"""What each step did outside its output folder, once: the keys that make a retry idempotent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from batchops.store.schema import Base, utcnow


class StepEffectRow(Base):
    __tablename__ = "step_effects"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    """sha256 of (execution, step, effect): unique, whatever the length of the effect's name."""
    execution_id: Mapped[str] = mapped_column(String(64), index=True)
    step_name: Mapped[str] = mapped_column(String(256))
    effect: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
