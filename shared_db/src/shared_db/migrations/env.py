"""Alembic environment: migrations run against DATABASE_URL, one runner at a time."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, text

from shared_db.urls import sqlalchemy_url

# Any constant works; it only has to be the same for every runner.
_MIGRATION_LOCK_ID = 7_246_001


def _database_url() -> str:
    url = context.config.attributes.get("database_url") or os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("DATABASE_URL is not set (or run `arena db migrate`).")
    return str(url)


def run_migrations_online() -> None:
    engine = create_engine(sqlalchemy_url(_database_url()))
    with engine.connect() as connection:
        # Several servers may start at once; the advisory lock serialises their migrations.
        connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        connection.commit()
        try:
            context.configure(connection=connection, target_metadata=None)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK_ID})
            connection.commit()
    engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported")
run_migrations_online()
