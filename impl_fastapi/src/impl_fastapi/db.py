"""The async engine and session factory, built once per process in the app's lifespan."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared_db import Settings
from shared_db.urls import sqlalchemy_url

# The contract wants a 503 quickly when the database is unreachable, never a hang.
CONNECT_TIMEOUT_SECONDS = 3
POOL_TIMEOUT_SECONDS = 10


# contract: settings/app
def create_engine(settings: Settings) -> AsyncEngine:
    """An engine on psycopg 3 (async). Creating it opens no connection."""
    return create_async_engine(
        sqlalchemy_url(settings.require_database_url()),
        pool_size=settings.db_pool_size,
        # DB_POOL_SIZE is documented as connections per process: no overflow beyond it.
        max_overflow=0,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )


# contract: settings/app
def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Responses are serialised after commit; expiring would force a lazy reload,
    # which async sessions cannot do implicitly.
    return async_sessionmaker(engine, expire_on_commit=False)
