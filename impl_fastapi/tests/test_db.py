"""The watchdog bounds every round trip: statements, COMMIT, and nothing stays armed.

A frozen server cannot be had in a unit test, but a live one that takes too long can:
``pg_sleep`` in a statement, and in a deferred trigger that runs at COMMIT. The
watchdog's bound here is far below the sleep, so only the watchdog can end the wait.
"""

from __future__ import annotations

import asyncio
import time

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.pq import TransactionStatus
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from impl_fastapi import db
from impl_fastapi.app import create_app
from shared_db import Settings
from shared_db.urls import sqlalchemy_url
from shared_db.watchdog import Watchdog

BOUND_SECONDS = 0.3
SLEEP_SECONDS = 5


class CountingWatchdog(Watchdog):
    """A watchdog that remembers every token it armed and every one it was told to drop."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.armed: list[int] = []
        self.disarmed: list[int] = []

    def arm(self, fileno: int) -> int:
        token = super().arm(fileno)
        self.armed.append(token)
        return token

    def disarm(self, token: int) -> None:
        self.disarmed.append(token)
        super().disarm(token)


def _engine(url: str, watchdog: Watchdog) -> AsyncEngine:
    engine = create_async_engine(sqlalchemy_url(url), pool_size=1, max_overflow=0)
    db.guard_round_trips(engine, watchdog)
    return engine


def _cut_off(engine: AsyncEngine, statements: list[str], commit: bool) -> float:
    """Run ``statements`` (then COMMIT) in one transaction; return how long until it failed."""

    async def transaction() -> None:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
            if commit:
                await connection.commit()

    async def run() -> float:
        started = time.monotonic()
        try:
            with pytest.raises(OperationalError) as caught:
                await transaction()
            elapsed = time.monotonic() - started
        finally:
            await engine.dispose()
        assert caught.value.connection_invalidated, "a cut-off connection never returns to the pool"
        return elapsed

    return asyncio.run(run())


def _serves(engine: AsyncEngine) -> bool:
    async def run() -> bool:
        try:
            async with engine.connect() as connection:
                one: int | None = await connection.scalar(text("SELECT 1"))
                return one == 1
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_a_statement_that_outlasts_the_bound_is_cut_off(migrated_database_url: str) -> None:
    watchdog = Watchdog(BOUND_SECONDS)
    engine = _engine(migrated_database_url, watchdog)
    elapsed = _cut_off(engine, [f"SELECT pg_sleep({SLEEP_SECONDS})"], commit=False)
    assert elapsed < SLEEP_SECONDS / 2
    assert watchdog.fired == 1
    assert _serves(engine), "the engine connects afresh after the cut-off"


def test_a_commit_that_outlasts_the_bound_is_cut_off(migrated_database_url: str) -> None:
    watchdog = Watchdog(BOUND_SECONDS)
    engine = _engine(migrated_database_url, watchdog)
    slow_commit = [
        "CREATE TEMP TABLE slow_commit (x int)",
        "CREATE FUNCTION pg_temp.sleep_at_commit() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN PERFORM pg_sleep({SLEEP_SECONDS}); RETURN NULL; END $$",
        "CREATE CONSTRAINT TRIGGER sleep_at_commit AFTER INSERT ON slow_commit "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pg_temp.sleep_at_commit()",
        "INSERT INTO slow_commit VALUES (1)",
    ]
    elapsed = _cut_off(engine, slow_commit, commit=True)
    assert elapsed < SLEEP_SECONDS / 2
    assert watchdog.fired == 1


@pytest.fixture
def counting_watchdog(monkeypatch: pytest.MonkeyPatch) -> CountingWatchdog:
    watchdog = CountingWatchdog(30)
    monkeypatch.setattr(db, "_watchdog", lambda seconds: watchdog)
    return watchdog


def test_every_armed_round_trip_is_disarmed(
    counting_watchdog: CountingWatchdog, migrated_database_url: str
) -> None:
    # A token left armed would, once its bound passed, shut down whatever socket had
    # reused the descriptor by then.
    settings = Settings(database_url=migrated_database_url, db_pool_size=1)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        credentials = {"username": "watched_user", "password": "password-123"}
        assert client.post("/auth/register", json=credentials).status_code == 201
        assert client.post("/auth/register", json=credentials).status_code == 409
        token = client.post("/auth/token", json=credentials).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        item = client.post("/items", json={"name": "x", "price_cents": 1}, headers=headers)
        assert client.delete(f"/items/{item.json()['id']}", headers=headers).status_code == 204
        assert client.get("/items").status_code == 200
        # Checked while the pool still holds its connection, not after disposal.
        assert counting_watchdog.armed
        assert set(counting_watchdog.armed) <= set(counting_watchdog.disarmed)
    assert counting_watchdog.fired == 0


def test_reads_open_no_transaction_and_writes_still_do(migrated_database_url: str) -> None:
    # One pooled connection: the read session's autocommit must not outlive its checkout.
    engine = db.create_engine(Settings(database_url=migrated_database_url, db_pool_size=1))

    async def status(session: AsyncSession) -> tuple[object, TransactionStatus]:
        await session.execute(text("SELECT 1"))
        raw = await (await session.connection()).get_raw_connection()
        driver = raw.driver_connection
        assert isinstance(driver, psycopg.AsyncConnection)
        return driver, driver.info.transaction_status

    async def run() -> None:
        try:
            async with db.create_read_sessionmaker(engine)() as session:
                read_on, after_read = await status(session)
            async with db.create_sessionmaker(engine)() as session:
                write_on, after_write = await status(session)
        finally:
            await engine.dispose()
        assert read_on is write_on
        assert after_read == TransactionStatus.IDLE, "a read sent BEGIN"
        assert after_write == TransactionStatus.INTRANS, "a write ran outside a transaction"

    asyncio.run(run())
