"""Automation: schedules, event rules, alarms, their history, webhook deliveries, the lease,
and on each execution what started it (a unique idempotency key and the chain of events).

Revision ID: 0006_automation
Revises: 0005_execution_control
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from batchops.store.schema import UTCDateTime

revision = "0006_automation"
down_revision = "0005_execution_control"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("executions") as batch:
        batch.add_column(sa.Column("trigger_key", sa.String(512), nullable=True))
        batch.add_column(sa.Column("trigger", sa.JSON, nullable=True))
    op.create_index("ix_executions_trigger_key", "executions", ["trigger_key"], unique=True)
    op.create_table(
        "schedules",
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("pipeline", sa.String(256), nullable=False),
        sa.Column("cron", sa.String(256), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("catch_up", sa.String(16), nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("next_tick_at", UTCDateTime, nullable=False),
        sa.Column("last_tick_at", UTCDateTime, nullable=True),
        sa.Column("last_execution_id", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
    )
    op.create_table(
        "event_rules",
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("filters", sa.JSON, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("pipeline", sa.String(256), nullable=True),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("secret_env", sa.String(256), nullable=True),
        sa.Column("after_position", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
    )
    op.create_table(
        "alarms",
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("metric", sa.String(512), nullable=False),
        sa.Column("pipeline", sa.String(256), nullable=True),
        sa.Column("comparison", sa.String(8), nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("datapoints", sa.Integer, nullable=False),
        sa.Column("of", sa.Integer, nullable=False),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("secret_env", sa.String(256), nullable=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("state_reason", sa.Text, nullable=False),
        sa.Column("state_changed_at", UTCDateTime, nullable=False),
        sa.Column("last_datapoint", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
    )
    op.create_table(
        "automation_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("key", sa.String(512), nullable=True),
    )
    op.create_index("ix_automation_history_name", "automation_history", ["name"])
    op.create_index("ix_automation_history_key", "automation_history", ["key"], unique=True)
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(512), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("secret_env", sa.String(256), nullable=True),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_webhook_deliveries_status", "webhook_deliveries", ["status"])
    op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(256), nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("acquired_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("scheduler_lease", "webhook_deliveries", "automation_history"):
        op.drop_table(table)
    for table in ("alarms", "event_rules", "schedules"):
        op.drop_table(table)
    op.drop_index("ix_executions_trigger_key", table_name="executions")
    with op.batch_alter_table("executions") as batch:
        batch.drop_column("trigger")
        batch.drop_column("trigger_key")
