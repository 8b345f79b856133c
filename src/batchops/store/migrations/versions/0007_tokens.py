"""API tokens for the server (stored as digests), and the index that lists executions newest
first without sorting the whole table.

Revision ID: 0007_tokens
Revises: 0006_automation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from batchops.store.schema import UTCDateTime

revision = "0007_tokens"
down_revision = "0006_automation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("user", sa.String(256), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=True),
        sa.Column("revoked_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_executions_started_at", "executions", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_executions_started_at", "executions")
    op.drop_table("api_tokens")
