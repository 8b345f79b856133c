"""The model catalogue: named models (an image and its model data) that a transform scores
by name, as SageMaker's CreateModel makes them.

Revision ID: 0020_model_catalogue
Revises: 0019_scheduler_log
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from batchops.store.schema import UTCDateTime

revision = "0020_model_catalogue"
down_revision = "0019_scheduler_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "models",
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column("image", sa.Text, nullable=False),
        sa.Column("model_data_url", sa.Text, nullable=True),
        sa.Column("environment", sa.JSON, nullable=False),
        sa.Column("execution_id", sa.String(64), nullable=True),
        sa.Column("step_name", sa.String(256), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_models_execution_id", "models", ["execution_id"])


def downgrade() -> None:
    op.drop_index("ix_models_execution_id", table_name="models")
    op.drop_table("models")
