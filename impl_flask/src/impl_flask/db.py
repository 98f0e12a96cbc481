"""One engine per app, one session per request, every round trip bounded.

The engine is built in ``init_app`` and never connects there: the server must
start (and answer ``/health`` with 503) while the database is unreachable.

A ``GET`` never writes, so its session runs on the same pool in autocommit: each
statement is one round trip, with no BEGIN before it and no ROLLBACK after. Every
other method gets a transactional session, which the view commits (row locks,
constraints and all).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, request
from flask.globals import app_ctx
from psycopg import Error as DriverError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, configure_mappers, scoped_session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection, PoolResetState

from shared_db import Settings
from shared_db.urls import sqlalchemy_url
from shared_db.watchdog import Watchdog

EXTENSION_KEY = "impl_flask.db"
# What the read-only sessions serve (HTTP's safe methods that reach a view).
READ_METHODS = frozenset({"GET", "HEAD"})
# Where a pooled connection keeps the token of its armed round trip (its ``info`` dict).
_ARMED = "impl_flask.watchdog"


# contract: settings/app
class Database:
    def __init__(self, engine: Engine, watchdog: Watchdog) -> None:
        self.engine = engine
        self.watchdog = watchdog
        # A shallow copy of the engine: the same pool and events, autocommit on checkout.
        self.reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        # One session per application context (that is, per request), whatever
        # thread or greenlet the server runs it in.
        self.session = scoped_session(
            sessionmaker(engine, expire_on_commit=False),
            scopefunc=lambda: id(app_ctx._get_current_object()),  # type: ignore[attr-defined]
        )

    def current_session(self) -> Session:
        """The request's session; its method, on first use, decides the bind."""
        if self.session.registry.has():
            return self.session()
        reads = has_request_context() and request.method in READ_METHODS
        return self.session(bind=self.reader if reads else self.engine)


# contract: settings/app
def init_app(app: Flask, settings: Settings) -> None:
    engine = create_engine(
        sqlalchemy_url(settings.require_database_url()),
        pool_size=settings.db_pool_size,
        max_overflow=0,
        # A request that finds every connection busy waits this long, then gets 503.
        pool_timeout=settings.db_pool_timeout_seconds,
        # No pre-ping: it costs a round trip per request, and it runs outside the
        # cursor events, where a frozen server would hold it forever. A connection
        # that died with a restart fails its first statement instead; SQLAlchemy then
        # sees a disconnect, discards every pooled connection older than it, and that
        # one request answers 503 (the database was unreachable for it).
        pool_pre_ping=False,
        # Connect timeout, TCP keepalives and statement_timeout, shared by the three.
        connect_args=settings.libpq_options(),
    )
    # The mappings are otherwise completed by the first query; at start-up they are
    # part of the heap the factory freezes, and a broken mapping fails here.
    configure_mappers()
    watchdog = Watchdog(settings.db_watchdog_seconds)
    watch_round_trips(engine, watchdog)
    database = Database(engine, watchdog)
    app.extensions[EXTENSION_KEY] = database

    @app.teardown_appcontext
    def remove_session(_exc: BaseException | None) -> None:
        # Closing rolls back whatever a failed request left open, so the connection
        # goes back to the pool clean (or, if it was lost, is discarded).
        database.session.remove()


# contract: settings/app
def get_session() -> Session:
    database: Database = current_app.extensions[EXTENSION_KEY]
    return database.current_session()


# contract: io.enriched
def release_session() -> None:
    """End the request's session now rather than at teardown: its connection goes back.

    For a view that has read what it needs and then waits on something else: held to
    the end, the connection would sit idle in one of ``DB_POOL_SIZE`` slots for the
    whole wait. Objects already loaded stay usable (detached, nothing expired).
    """
    database: Database = current_app.extensions[EXTENSION_KEY]
    database.session.remove()


def watch_round_trips(engine: Engine, watchdog: Watchdog) -> None:
    """Arm ``watchdog`` on a connection's socket for each round trip SQLAlchemy makes.

    Statements announce themselves through the cursor events, COMMIT and ROLLBACK
    through the connection events, and the pool's rollback-on-return through its
    reset event. Each arms the watchdog; the statement's end, an error, or the
    connection going back to the pool or being closed disarms it, so the watchdog
    never shuts down a descriptor after its connection has let go of it.
    """

    def arm(info: dict[Any, Any], dbapi_connection: Any) -> None:
        disarm(info)
        info[_ARMED] = watchdog.arm(dbapi_connection.fileno())

    def disarm(info: dict[Any, Any]) -> None:
        token = info.pop(_ARMED, None)
        if token is not None:
            watchdog.disarm(token)

    @event.listens_for(engine, "before_cursor_execute")
    def before_statement(conn: Connection, cursor: Any, *_args: Any) -> None:
        arm(conn.info, cursor.connection)

    @event.listens_for(engine, "after_cursor_execute")
    def after_statement(conn: Connection, *_args: Any) -> None:
        disarm(conn.info)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def before_transaction_end(conn: Connection) -> None:
        # SQLAlchemy announces a rollback even on a lost connection; it sends none then.
        if (pooled := _pooled(conn)) is not None and pooled.dbapi_connection is not None:
            arm(pooled.info, pooled.dbapi_connection)

    @event.listens_for(engine, "handle_error")
    def after_error(context: ExceptionContext) -> None:
        # A connection already invalidated was disarmed by the pool's invalidate event.
        if context.connection is not None and (pooled := _pooled(context.connection)):
            disarm(pooled.info)

    @event.listens_for(engine, "reset")
    def before_reset(
        dbapi_connection: Any, record: ConnectionPoolEntry, state: PoolResetState
    ) -> None:
        if not state.transaction_was_reset and state.asyncio_safe:
            arm(record.info, dbapi_connection)

    @event.listens_for(engine, "checkin")
    @event.listens_for(engine, "close")
    @event.listens_for(engine, "invalidate")
    def released(_dbapi_connection: Any, record: ConnectionPoolEntry | None, *_args: Any) -> None:
        if record is not None:
            disarm(record.info)


def _pooled(conn: Connection) -> PoolProxiedConnection | None:
    """The connection's pooled DBAPI connection, without reconnecting a lost one."""
    if conn.closed or conn.invalidated:
        return None
    return conn.connection


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint the database refused a write for, if it says."""
    if isinstance(error.orig, DriverError):
        return error.orig.diag.constraint_name
    return None
