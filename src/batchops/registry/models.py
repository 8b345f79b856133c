"""The model catalogue: named models (an image and its model data), as SageMaker's
CreateModel makes them, so a transform can score "by model name".

A name resolves to what is scored: when its model data is a registered version's model (the
same bytes), the registry's verified copy of that version, which must be Approved, so an
approval still guards scoring by name; otherwise the model data itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from batchops.errors import Conflict, InvalidInput, NotFound
from batchops.registry.status import APPROVED
from batchops.registry.version_files import MODEL_FILE
from batchops.store import artifacts
from batchops.store.db import session_scope
from batchops.store.schema import utcnow
from batchops.store.schema.registry import ModelRow, ModelVersionRow

MODEL_NAME_LIMIT = 63
"""SageMaker's longest model name."""


@dataclass(frozen=True)
class CatalogueModel:
    name: str
    image: str
    model_data_url: str | None
    environment: dict[str, Any]
    execution_id: str | None
    step_name: str | None
    created_at: datetime


def _model(row: ModelRow) -> CatalogueModel:
    return CatalogueModel(
        row.name,
        row.image,
        row.model_data_url,
        dict(row.environment or {}),
        row.execution_id,
        row.step_name,
        row.created_at,
    )


def record_model(
    name: str,
    *,
    image: str,
    model_data_url: str | None,
    environment: dict[str, Any] | None = None,
    execution_id: str | None = None,
    step_name: str | None = None,
) -> CatalogueModel:
    """Add a model to the catalogue. The same step recording it again (a retry) keeps the one
    row; another model under a taken name is a Conflict, as SageMaker refuses it."""
    if not name or len(name) > MODEL_NAME_LIMIT:
        raise InvalidInput(f"a model name has 1 to {MODEL_NAME_LIMIT} characters, got {name!r}")
    with session_scope() as session:
        row = session.get(ModelRow, name)
        if row is not None:
            if (row.execution_id, row.step_name) != (execution_id, step_name):
                raise Conflict(f"model {name!r} exists already (made by {row.step_name})")
            return _model(row)
        row = ModelRow(
            name=name,
            image=str(image or ""),
            model_data_url=model_data_url,
            environment=dict(environment or {}),
            execution_id=execution_id,
            step_name=step_name,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        return _model(row)


def get_model(name: str) -> CatalogueModel:
    with session_scope() as session:
        row = session.get(ModelRow, str(name))
        if row is None:
            raise NotFound(f"no model named {name!r} (a Model step makes one: model.create())")
        return _model(row)


def registered_versions_of(model_data_url: str) -> list[tuple[str, int, str]]:
    """(group, version, status) of the versions whose model holds the same bytes, newest first."""
    sha256, _size = artifacts.file_digest(model_data_url)
    with session_scope() as session:
        rows = session.execute(
            select(
                ModelVersionRow.group_name,
                ModelVersionRow.version,
                ModelVersionRow.status,
                ModelVersionRow.files,
            ).order_by(ModelVersionRow.created_at.desc(), ModelVersionRow.id.desc())
        ).all()
    return [
        (group, version, status)
        for group, version, status, files in rows
        if ((files or {}).get(MODEL_FILE) or {}).get("sha256") == sha256
    ]


def model_reference(name: str) -> str:
    """What to score for the model `name`: a registry `GROUP/VERSION` (Approved, its files
    checked when loaded) when its model data is a registered version's, else the data's URI."""
    from batchops.registry.lookup import approved_version

    model = get_model(name)
    if not model.model_data_url:
        raise InvalidInput(f"model {name!r} has no model data to score")
    matches = registered_versions_of(model.model_data_url)
    if not matches:
        return model.model_data_url
    approved = [m for m in matches if m[2] == APPROVED]
    group, version, _status = (approved or matches)[0]
    return approved_version(f"{group}/{version}").ref  # refuses a version not Approved
