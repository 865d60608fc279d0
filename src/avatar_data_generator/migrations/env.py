"""Alembic environment: the app's engine, and an advisory lock so hosts can migrate together."""

from __future__ import annotations

from alembic import context
from flask import current_app

from avatar_data_generator.db import db
from avatar_data_generator.queue.locks import advisory_lock

MIGRATION_LOCK = "avatar_data_generator.migrations"

config = context.config


def run_migrations_offline() -> None:
    """Emit SQL without a connection."""
    context.configure(
        url=str(db.engine.url),
        target_metadata=db.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate under a PostgreSQL advisory lock, so concurrent start-ups apply each step once."""
    extension = current_app.extensions["migrate"]
    with db.engine.connect() as connection, advisory_lock(connection, MIGRATION_LOCK):
        connection.commit()
        context.configure(
            connection=connection,
            target_metadata=db.metadata,
            **({"render_as_batch": True} | extension.configure_args),
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
