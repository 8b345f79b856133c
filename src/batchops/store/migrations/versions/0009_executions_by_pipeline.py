"""An index for one pipeline's executions newest first, so a page deep in the history (the
API's and the page's lists, `execution list --pipeline`) reads its rows instead of sorting
every execution of the pipeline.

Revision ID: 0009_executions_by_pipeline
Revises: 0008_model_quality
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_executions_by_pipeline"
down_revision = "0008_model_quality"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_executions_pipeline_newest",
        "executions",
        ["pipeline_name", sa.text("started_at DESC"), "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_executions_pipeline_newest", table_name="executions")
