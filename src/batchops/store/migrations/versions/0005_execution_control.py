"""Execution control: the runner's pid, host and heartbeat, and a stop request, on each execution.

A runner beats every few seconds; readers mark an Executing execution whose heartbeat is too
old Failed, so a killed runner never leaves it Executing for ever. `execution stop` leaves
its request here and the runner, polling, stops.

Revision ID: 0005_execution_control
Revises: 0004_version_files
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from batchops.store.schema import UTCDateTime

revision = "0005_execution_control"
down_revision = "0004_version_files"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("executions") as batch:
        batch.add_column(sa.Column("runner_pid", sa.Integer, nullable=True))
        batch.add_column(sa.Column("runner_host", sa.String(256), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("stop_requested_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("stop_requested_by", sa.String(256), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("executions") as batch:
        for column in (
            "stop_requested_by",
            "stop_requested_at",
            "heartbeat_at",
            "runner_host",
            "runner_pid",
        ):
            batch.drop_column(column)
