"""What the registry hands out: plain values, detached from the database session."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from batchops.store.schema import iso
from batchops.store.schema.registry import (
    ApprovalChangeRow,
    ModelGroupRow,
    ModelVersionRow,
)
from batchops.store.statuses import ApprovalStatus


@dataclass(frozen=True)
class ApprovalChange:
    from_status: ApprovalStatus | None
    to_status: ApprovalStatus
    user: str
    reason: str
    at: datetime

    @classmethod
    def of(cls, row: ApprovalChangeRow | Row[Any]) -> ApprovalChange:
        before = ApprovalStatus(row.from_status) if row.from_status is not None else None
        return cls(before, ApprovalStatus(row.to_status), row.user, row.reason, row.at)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.from_status,
            "to": self.to_status,
            "user": self.user,
            "reason": self.reason,
            "at": iso(self.at),
        }


@dataclass(frozen=True)
class ModelVersion:
    group: str
    version: int
    status: ApprovalStatus
    description: str
    model_data_uri: str
    inference_spec: dict[str, Any]
    metrics: dict[str, Any]
    metrics_uri: str | None
    statistics_uri: str | None
    constraints_uri: str | None
    custom_metadata: dict[str, Any]
    execution_id: str | None
    step_name: str | None
    created_by: str
    created_at: datetime
    approval_history: list[ApprovalChange] = field(default_factory=list)
    # name -> {"sha256", "bytes", "source_uri"}: what the version's files were when registered
    files: dict[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{self.group}/{self.version}"

    def _own_file(self, name: str) -> str | None:
        """The URI of one of the version's own files beside its model, if it has that file."""
        if name not in self.files:
            return None
        return self.model_data_uri.rsplit("/", 1)[0] + "/" + name

    @property
    def raw_statistics_uri(self) -> str | None:
        return self._own_file("raw-statistics.json")

    @property
    def raw_constraints_uri(self) -> str | None:
        return self._own_file("raw-constraints.json")

    @property
    def score_distribution_uri(self) -> str | None:
        return self._own_file("score-distribution.json")

    @classmethod
    def of(
        cls, row: ModelVersionRow | Row[Any], history: Sequence[ApprovalChangeRow | Row[Any]]
    ) -> ModelVersion:
        return cls(
            group=row.group_name,
            version=row.version,
            status=ApprovalStatus(row.status),
            description=row.description,
            model_data_uri=row.model_data_uri,
            inference_spec=dict(row.inference_spec or {}),
            metrics=dict(row.metrics or {}),
            metrics_uri=row.metrics_uri,
            statistics_uri=row.statistics_uri,
            constraints_uri=row.constraints_uri,
            custom_metadata=dict(row.custom_metadata or {}),
            execution_id=row.execution_id,
            step_name=row.step_name,
            created_by=row.created_by,
            created_at=row.created_at,
            approval_history=[ApprovalChange.of(change) for change in history],
            files=dict(row.files or {}),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "version": self.version,
            "status": self.status,
            "description": self.description,
            "model_data_uri": self.model_data_uri,
            "inference_spec": self.inference_spec,
            "metrics": self.metrics,
            "metrics_uri": self.metrics_uri,
            "baseline": {
                "statistics_uri": self.statistics_uri,
                "constraints_uri": self.constraints_uri,
            },
            **(
                {
                    "baseline_raw": {
                        "statistics_uri": self.raw_statistics_uri,
                        "constraints_uri": self.raw_constraints_uri,
                    }
                }
                if self.raw_statistics_uri
                else {}
            ),
            "custom_metadata": self.custom_metadata,
            "execution_id": self.execution_id,
            "step_name": self.step_name,
            "created_by": self.created_by,
            "created_at": iso(self.created_at),
            "approval_history": [change.to_json() for change in self.approval_history],
            "files": self.files,
        }


@dataclass(frozen=True)
class ModelGroup:
    name: str
    description: str
    created_by: str
    created_at: datetime
    version_count: int
    status_counts: dict[str, int]

    @classmethod
    def of(cls, row: ModelGroupRow, status_counts: dict[str, int]) -> ModelGroup:
        return cls(
            name=row.name,
            description=row.description,
            created_by=row.created_by,
            created_at=row.created_at,
            version_count=sum(status_counts.values()),
            status_counts=status_counts,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "created_by": self.created_by,
            "created_at": iso(self.created_at),
            "version_count": self.version_count,
            "status_counts": self.status_counts,
        }
