"""The async engine and session factory, built once per process in the app's lifespan."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from shared_db import Settings
from shared_db.urls import sqlalchemy_url
from shared_db.watchdog import Watchdog

# The key, in each pooled connection's ``info``, of its armed watchdog token.
_WATCHDOG_TOKEN = "impl_fastapi.watchdog_token"  # noqa: S105 (a dictionary key)


# contract: settings/app
def create_engine(settings: Settings) -> AsyncEngine:
    """An engine on psycopg 3 (async). Creating it opens no connection.

    Every wait is bounded, so a database that fails in any way gives a 503 in
    seconds, never a hang: connecting, the statement's run time on the server and
    a vanished peer by the shared libpq options; the wait for a pooled connection
    by ``pool_timeout``; a server that stops answering by the watchdog.

    No ``pool_pre_ping``: the ping runs outside every cursor event, so the watchdog
    could not bound it against a frozen server. After a restart, the first statement
    on a dead connection fails as a disconnect and SQLAlchemy then replaces every
    connection the pool held before it.
    """
    engine = create_async_engine(
        sqlalchemy_url(settings.require_database_url()),
        pool_size=settings.db_pool_size,
        # DB_POOL_SIZE is documented as connections per process: no overflow beyond it.
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout_seconds,
        connect_args=settings.libpq_options(),
    )
    guard_round_trips(engine, _watchdog(settings.db_watchdog_seconds))
    return engine


@cache
def _watchdog(seconds: float) -> Watchdog:
    # One per process (its thread checks every armed round trip), made on first use.
    return Watchdog(seconds)


# contract: errors
def guard_round_trips(engine: AsyncEngine, watchdog: Watchdog) -> None:
    """Arm ``watchdog`` for every round trip on ``engine``'s connections.

    A server that is alive at the TCP level but no longer answers (a frozen
    process) is caught by no libpq timeout, and cancelling the asyncio task does not
    help: psycopg then sends the server a cancel request and waits for the query to
    end, up to ten seconds more. The watchdog shuts the socket down instead, so the
    pending read fails at once as a lost connection; SQLAlchemy invalidates the
    connection (a failed statement never goes back to the pool) and the request
    answers 503.

    Statements are armed in ``before_cursor_execute`` and disarmed when they end
    (``after_cursor_execute``) or fail (``handle_error``, which also sees a cancelled
    task). COMMIT and ROLLBACK have an event only before them: their token is disarmed
    by the connection's next statement, its failure, or its return to the pool
    (``checkin``, or ``close``/``invalidate`` for one that never returns), so no
    token outlives its socket.
    """
    sync_engine = engine.sync_engine

    def arm(connection: Connection) -> None:
        if connection.invalidated or connection.closed:
            return  # nothing goes over the wire (SQLAlchemy still fires "rollback")
        disarm(connection.info)
        fileno = connection.connection.driver_connection.fileno()  # type: ignore[union-attr]
        connection.info[_WATCHDOG_TOKEN] = watchdog.arm(fileno)

    def disarm(info: dict[Any, Any]) -> None:
        token = info.pop(_WATCHDOG_TOKEN, None)
        if token is not None:
            watchdog.disarm(token)

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _statement_starts(connection: Connection, *args: object) -> None:
        arm(connection)

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _statement_ends(connection: Connection, *args: object) -> None:
        disarm(connection.info)

    @event.listens_for(sync_engine, "handle_error")
    def _round_trip_fails(context: ExceptionContext) -> None:
        if context.connection is not None:
            disarm(context.connection.info)

    @event.listens_for(sync_engine, "commit")
    def _commit_starts(connection: Connection) -> None:
        arm(connection)

    @event.listens_for(sync_engine, "rollback")
    def _rollback_starts(connection: Connection) -> None:
        arm(connection)

    def released(dbapi_connection: object, record: ConnectionPoolEntry, *args: object) -> None:
        disarm(record.info)

    for identifier in ("checkin", "close", "invalidate", "soft_invalidate"):
        event.listen(sync_engine.pool, identifier, released)


# contract: settings/app
def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for the writes: each request's statements run in one transaction."""
    # Responses are serialised after commit; expiring would force a lazy reload,
    # which async sessions cannot do implicitly.
    return async_sessionmaker(engine, expire_on_commit=False)


# contract: settings/app
def create_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for the reads: each statement is its own transaction (AUTOCOMMIT).

    A read in a transaction costs three round trips (BEGIN, the SELECT, ROLLBACK) for
    nothing: at READ COMMITTED every statement takes its own snapshot anyway, so
    ``GET /items``' count and page were never one snapshot. In autocommit psycopg sends
    no BEGIN, and the pool's rollback on return sends nothing on an idle connection.

    The option engine shares ``engine``'s pool and events (the watchdog): the
    isolation level is set on the connection when checked out and reset when it goes
    back, locally, without a round trip.
    """
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
    )
