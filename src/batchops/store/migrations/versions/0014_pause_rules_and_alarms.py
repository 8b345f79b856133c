"""Rules and alarms can be paused, as schedules can: a paused rule does not act on events and a
paused alarm is not evaluated (so it does not notify).

Revision ID: 0014_pause_rules_and_alarms
Revises: 0010_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_pause_rules_and_alarms"
down_revision = "0010_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("event_rules", "alarms"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false())
            )


def downgrade() -> None:
    for table in ("alarms", "event_rules"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("paused")
