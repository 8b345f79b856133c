"""Model registry: groups, versions, approvals, events, consumers and usage.

Revision ID: 0002_registry
Revises: 0001_pipelines
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from batchops.store.schema import UTCDateTime

revision = "0002_registry"
down_revision = "0001_pipelines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_groups",
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("latest_version", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("group_name", sa.String(256), sa.ForeignKey("model_groups.name"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("model_data_uri", sa.Text, nullable=False),
        sa.Column("inference_spec", sa.JSON, nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("metrics_uri", sa.Text, nullable=True),
        sa.Column("statistics_uri", sa.Text, nullable=True),
        sa.Column("constraints_uri", sa.Text, nullable=True),
        sa.Column("custom_metadata", sa.JSON, nullable=False),
        sa.Column("execution_id", sa.String(64), nullable=True),
        sa.Column("step_name", sa.String(256), nullable=True),
        sa.Column("created_by", sa.String(256), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("group_name", "version"),
    )
    op.create_index("ix_model_versions_group_name", "model_versions", ["group_name"])
    op.create_index("ix_model_versions_execution_id", "model_versions", ["execution_id"])
    op.create_table(
        "model_approvals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("model_versions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("from_status", sa.String(32), nullable=True),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("user", sa.String(256), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_model_approvals_version_id", "model_approvals", ["version_id"])
    op.create_table(
        "registry_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("group_name", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("old_status", sa.String(32), nullable=True),
        sa.Column("new_status", sa.String(32), nullable=True),
        sa.Column("user", sa.String(256), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_registry_events_group_name", "registry_events", ["group_name"])
    op.create_table(
        "event_consumers",
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "model_usages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("execution_id", sa.String(64), nullable=False),
        sa.Column("group_name", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("step_name", sa.String(256), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("execution_id", "group_name", "version", "step_name"),
    )
    op.create_index("ix_model_usages_execution_id", "model_usages", ["execution_id"])


def downgrade() -> None:
    tables = (
        "model_usages",
        "event_consumers",
        "registry_events",
        "model_approvals",
        "model_versions",
        "model_groups",
    )
    for table in tables:
        op.drop_table(table)
