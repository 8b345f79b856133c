"""The event log leaves the registry for the store layer: the runtime appends to it too.

`registry_events` becomes `events`; `group_name` may be empty (execution events have no group)
and `detail` holds the fields an event type adds (pipeline, execution, violated features, …).
Rows written before keep their positions, so consumers resume where they were.

Revision ID: 0003_events
Revises: 0002_registry
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_events"
down_revision = "0002_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_registry_events_group_name", table_name="registry_events")
    op.rename_table("registry_events", "events")
    with op.batch_alter_table("events") as batch:
        batch.alter_column("group_name", existing_type=sa.String(256), nullable=True)
        batch.add_column(sa.Column("detail", sa.JSON, nullable=True))
    op.create_index("ix_events_group_name", "events", ["group_name"])
    op.create_index("ix_events_type", "events", ["type"])


def downgrade() -> None:
    op.drop_index("ix_events_type", table_name="events")
    op.drop_index("ix_events_group_name", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("detail")
        batch.alter_column("group_name", existing_type=sa.String(256), nullable=False)
    op.rename_table("events", "registry_events")
    op.create_index("ix_registry_events_group_name", "registry_events", ["group_name"])
