"""Alembic environment: runs on the connection `worker.archive.schema.migrate` hands over, or on TICKETFLOW_DATABASE_URL."""

from __future__ import annotations

from alembic import context

from worker.archive.schema import archive_engine, metadata
from worker.settings import load_settings

connection = context.config.attributes.get("connection")
if connection is None:
    engine = archive_engine(load_settings())
    if engine is None:
        raise SystemExit("set TICKETFLOW_DATABASE_URL to migrate an archive")
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
