"""Alembic environment: batchops always hands it an open connection (see store.db.migrate)."""

from __future__ import annotations

from alembic import context

from batchops.store.schema import Base, all_tables

all_tables()
connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
