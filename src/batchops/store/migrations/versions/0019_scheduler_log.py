"""The scheduler's log in the database, so every host reads what any host's scheduler did
(it was a JSON-lines file in the home of the host that ran the scheduler).

Revision ID: 0019_scheduler_log
Revises: 0017_step_effects
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from batchops.store.schema import UTCDateTime

revision = "0019_scheduler_log"
down_revision = "0017_step_effects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("host", sa.String(256), nullable=False),
    )
    op.create_index("ix_scheduler_log_at", "scheduler_log", ["at"])


def downgrade() -> None:
    op.drop_index("ix_scheduler_log_at", table_name="scheduler_log")
    op.drop_table("scheduler_log")
