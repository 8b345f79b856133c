"""Which project file manages a pipeline, schedule, rule or alarm (`batchops apply`), and
which revision applied it.

Revision ID: 0016_managed_objects
Revises: 0014_pause_rules_and_alarms
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_managed_objects"
down_revision = "0014_pause_rules_and_alarms"
branch_labels = None
depends_on = None

TABLES = ("pipelines", "schedules", "event_rules", "alarms")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("managed_by", sa.String(256), nullable=True))
            batch.add_column(sa.Column("managed_revision", sa.String(256), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("managed_revision")
            batch.drop_column("managed_by")
