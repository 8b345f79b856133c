"""Model registry: package groups, numbered versions, their approval trail and usage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from batchops.store.schema import Base, utcnow


class ModelGroupRow(Base):
    __tablename__ = "model_groups"

    name: Mapped[str] = mapped_column(String(256), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelVersionRow(Base):
    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("group_name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_name: Mapped[str] = mapped_column(ForeignKey("model_groups.name"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    model_data_uri: Mapped[str] = mapped_column(Text)
    inference_spec: Mapped[dict[str, Any]] = mapped_column(default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    metrics_uri: Mapped[str | None] = mapped_column(Text, default=None)
    statistics_uri: Mapped[str | None] = mapped_column(Text, default=None)
    constraints_uri: Mapped[str | None] = mapped_column(Text, default=None)
    custom_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # name -> {"sha256", "bytes", "source_uri"} of each file in the version's own folder
    files: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    execution_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    step_name: Mapped[str | None] = mapped_column(String(256), default=None)
    created_by: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApprovalChangeRow(Base):
    __tablename__ = "model_approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(32), default=None)
    to_status: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(256))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelUsageRow(Base):
    """An execution that used a model version (the other half of lineage)."""

    __tablename__ = "model_usages"
    __table_args__ = (UniqueConstraint("execution_id", "group_name", "version", "step_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    execution_id: Mapped[str] = mapped_column(String(64), index=True)
    group_name: Mapped[str] = mapped_column(String(256))
    version: Mapped[int] = mapped_column(Integer)
    step_name: Mapped[str] = mapped_column(String(256), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelRow(Base):
    """A named model (SageMaker's CreateModel): an image and its model data, which a transform
    can score by name."""

    __tablename__ = "models"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    image: Mapped[str] = mapped_column(Text, default="")
    model_data_url: Mapped[str | None] = mapped_column(Text, default=None)
    environment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    execution_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    step_name: Mapped[str | None] = mapped_column(String(256), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
