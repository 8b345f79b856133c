"""Page sessions kept in the database (logout ends them on every server), and the secrets
the servers of one database share (the session cookies' signing key).

Revision ID: 0010_sessions
Revises: 0009_executions_by_pipeline
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from batchops.store.schema import UTCDateTime

revision = "0010_sessions"
down_revision = "0009_executions_by_pipeline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_sessions",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("token_id", sa.Integer, sa.ForeignKey("api_tokens.id"), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_server_sessions_token_id", "server_sessions", ["token_id"])
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("server_secrets")
    op.drop_index("ix_server_sessions_token_id", table_name="server_sessions")
    op.drop_table("server_sessions")
