"""One engine per app, one session per request.

The engine is built in ``init_app`` and never connects there: the server must
start (and answer ``/health`` with 503) while the database is unreachable.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask.globals import app_ctx
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from shared_db import Settings
from shared_db.urls import sqlalchemy_url

EXTENSION_KEY = "impl_flask.db"

# Fail fast instead of hanging when the database host does not answer.
CONNECT_TIMEOUT_SECONDS = 3
# How long a request may queue for one of the pool's connections (threaded
# servers can run more requests than the pool has connections).
POOL_TIMEOUT_SECONDS = 10


# contract: settings/app
class Database:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # One session per application context (that is, per request), whatever
        # thread or greenlet the server runs it in.
        self.session = scoped_session(
            sessionmaker(engine, expire_on_commit=False),
            scopefunc=lambda: id(app_ctx._get_current_object()),  # type: ignore[attr-defined]
        )


# contract: settings/app
def init_app(app: Flask, settings: Settings) -> None:
    engine = create_engine(
        sqlalchemy_url(settings.require_database_url()),
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )
    database = Database(engine)
    app.extensions[EXTENSION_KEY] = database

    @app.teardown_appcontext
    def remove_session(_exc: BaseException | None) -> None:
        database.session.remove()


# contract: settings/app
def get_session() -> Session:
    database: Database = current_app.extensions[EXTENSION_KEY]
    return database.session()
