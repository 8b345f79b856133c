"""Model quality: the index of prediction and ground-truth Parquet files, and metric series
that a late label updates (a key per metric, model version and prediction date).

Revision ID: 0008_model_quality
Revises: 0007_tokens
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from batchops.store.schema import UTCDateTime

revision = "0008_model_quality"
down_revision = "0007_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prediction_sets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uri", sa.Text, nullable=False),
        sa.Column("execution_id", sa.String(64), nullable=True),
        sa.Column("step_name", sa.String(256), nullable=True),
        sa.Column("group_name", sa.String(256), nullable=True),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("input_uri", sa.Text, nullable=True),
        sa.Column("baseline_uri", sa.Text, nullable=True),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("predicted_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_prediction_sets_execution_id", "prediction_sets", ["execution_id"])
    op.create_table(
        "ground_truth_sets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uri", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("arrived_at", UTCDateTime, nullable=False),
    )
    with op.batch_alter_table("monitoring_metrics") as batch:
        batch.add_column(sa.Column("series_key", sa.String(1024), nullable=True))
        batch.create_unique_constraint("uq_monitoring_metrics_series_key", ["series_key"])


def downgrade() -> None:
    with op.batch_alter_table("monitoring_metrics") as batch:
        batch.drop_constraint("uq_monitoring_metrics_series_key", type_="unique")
        batch.drop_column("series_key")
    op.drop_table("ground_truth_sets")
    op.drop_index("ix_prediction_sets_execution_id", table_name="prediction_sets")
    op.drop_table("prediction_sets")
