"""Each model version gets a folder of its own and a record of its files' digests.

Versions used to point into execution folders or into a folder shared by every version made
from one model, so deleting an execution or importing another copy could change an approved
version. `model_versions.files` records, per file, its sha256, size and where it came from;
existing versions' files are copied into `<artifacts>/registry/<group>/<version>/` and their
URIs moved there. A file that cannot be found is recorded as missing (its URI is kept) and
`batchops registry verify` reports it; the upgrade never fails over a file. Running it again
after an interruption copies again into the same folders.

Revision ID: 0004_version_files
Revises: 0003_events
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from batchops.store import artifacts

revision = "0004_version_files"
down_revision = "0003_events"
branch_labels = None
depends_on = None

# Each file of a version, as the registry names it in the version's folder, and its column.
_FILES = {
    "model.tar.gz": "model_data_uri",
    "evaluation.json": "metrics_uri",
    "statistics.json": "statistics_uri",
    "constraints.json": "constraints_uri",
}

_versions = sa.table(
    "model_versions",
    sa.column("id", sa.Integer),
    sa.column("group_name", sa.String),
    sa.column("version", sa.Integer),
    sa.column("files", sa.JSON),
    *(sa.column(field, sa.Text) for field in _FILES.values()),
)


def upgrade() -> None:
    op.add_column("model_versions", sa.Column("files", sa.JSON, nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_versions).where(_versions.c.files.is_(None)).order_by(_versions.c.id)
    ).all()
    for row in rows:
        files, uris = _move_into_own_folder(row._mapping)
        connection.execute(
            sa.update(_versions).where(_versions.c.id == row.id).values(files=files, **uris)
        )


def downgrade() -> None:
    # The copies stay where they are; the URIs keep naming them.
    with op.batch_alter_table("model_versions") as batch:
        batch.drop_column("files")


def _move_into_own_folder(row: Any) -> tuple[dict[str, Any], dict[str, str]]:
    folder = artifacts.registry_version_uri(row["group_name"], row["version"])
    files: dict[str, Any] = {}
    uris: dict[str, str] = {}
    try:
        with artifacts.staging_directory(folder) as staging:
            for name, field in _FILES.items():
                source = row[field]
                if not source:
                    continue
                found = _first_existing(source, artifacts.join(folder, name))
                if found is None:
                    files[name] = {
                        "sha256": None,
                        "bytes": None,
                        "source_uri": source,
                        "missing": True,
                    }
                    continue
                artifacts.copy_file(found, staging / name)
                sha256, size = artifacts.file_digest(staging / name)
                files[name] = {"sha256": sha256, "bytes": size, "source_uri": source}
                uris[field] = artifacts.join(folder, name)
            if uris:
                artifacts.publish_staged(staging, folder)
    except OSError:
        # An unreadable file or folder: record the originals as missing rather than fail.
        names = {name: row[field] for name, field in _FILES.items() if row[field]}
        return {name: _missing(source) for name, source in names.items()}, {}
    return files, uris


def _missing(source: str) -> dict[str, Any]:
    return {"sha256": None, "bytes": None, "source_uri": source, "missing": True}


def _first_existing(*uris: str) -> str | None:
    """The original file, else the copy an interrupted earlier run already made."""
    for uri in uris:
        try:
            if artifacts.exists(uri) and (
                not artifacts.is_local(uri) or artifacts.local_path(uri).is_file()
            ):
                return uri
        except OSError:
            continue
    return None
