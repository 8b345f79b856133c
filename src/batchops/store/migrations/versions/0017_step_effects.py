"""Step effects: the key under which a step's effect outside its output folder (metric
datapoints, a DataQualityViolations event) is made once, however often the step is retried.

Revision ID: 0017_step_effects
Revises: 0016_managed_objects
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from batchops.store.schema import UTCDateTime

revision = "0017_step_effects"
down_revision = "0016_managed_objects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "step_effects",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("execution_id", sa.String(64), nullable=False),
        sa.Column("step_name", sa.String(256), nullable=False),
        sa.Column("effect", sa.Text, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_step_effects_execution_id", "step_effects", ["execution_id"])


def downgrade() -> None:
    op.drop_index("ix_step_effects_execution_id", table_name="step_effects")
    op.drop_table("step_effects")
