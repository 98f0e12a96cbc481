"""The backend's bound on round trips, against a database that stops answering.

A small TCP proxy in front of the test database forwards both ways until it is
frozen; then it keeps the connections open and forwards nothing, which is what a
stopped (SIGSTOP) server looks like from the client: no error, no answer.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import OperationalError, connection
from psycopg.conninfo import conninfo_to_dict

from impl_drf.db.base import DatabaseWrapper

WATCHDOG_SECONDS = 0.5
# The watchdog looks a few times a second; the rest is slack for a loaded machine.
BOUND_SECONDS = WATCHDOG_SECONDS + 1.0


class FreezingProxy:
    def __init__(self, database_url: str) -> None:
        params = conninfo_to_dict(database_url)
        host, port = str(params.get("host") or "127.0.0.1"), int(params.get("port") or 5432)
        self.upstream: tuple[int, Any] = (
            (socket.AF_UNIX, f"{host}/.s.PGSQL.{port}")
            if host.startswith("/")
            else (socket.AF_INET, (host, port))
        )
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.forwarding = threading.Event()
        self.forwarding.set()
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def freeze(self) -> None:
        self.forwarding.clear()

    def close(self) -> None:
        self.closed.set()
        self.listener.close()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            family, address = self.upstream
            server = socket.socket(family)
            server.connect(address)
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        peers = {client: server, server: client}
        with selectors.DefaultSelector() as selector:
            for sock in peers:
                selector.register(sock, selectors.EVENT_READ)
            while not self.closed.is_set():
                if not self.forwarding.is_set():
                    time.sleep(0.05)  # frozen: read nothing, answer nothing
                    continue
                for key, _ in selector.select(timeout=0.05):
                    data = key.fileobj.recv(65_536)  # type: ignore[union-attr]
                    if not data:
                        return
                    peers[key.fileobj].sendall(data)  # type: ignore[index]


@pytest.fixture
def proxy(database_url: str) -> Iterator[FreezingProxy]:
    running = FreezingProxy(database_url)
    yield running
    running.close()


@pytest.fixture
def wrapper(database: str, proxy: FreezingProxy) -> Iterator[DatabaseWrapper]:
    settings_dict = {
        **connection.settings_dict,
        "HOST": "127.0.0.1",
        "PORT": str(proxy.port),
        # A connection of its own, not the pool's: this one is about to be cut off.
        "OPTIONS": {"connect_timeout": 2},
        "WATCHDOG_SECONDS": WATCHDOG_SECONDS,
    }
    db = DatabaseWrapper(settings_dict, alias="frozen")
    db.inc_thread_sharing()  # each round trip runs in a thread the test can give up on
    yield db
    db.close()
    db.dec_thread_sharing()


def select_one(db: DatabaseWrapper) -> None:
    with db.cursor() as cursor:
        cursor.execute("SELECT 1")


def outcome_within(bound: float, call: Callable[[], object]) -> BaseException | None:
    """What ``call`` raised (None if nothing), failing the test if it is still blocked
    after ``bound`` seconds: without the watchdog it would wait forever."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(bound)
    assert outcome, f"the round trip was still waiting after {bound} s"
    return outcome[0]


def test_a_query_the_database_never_answers_fails_within_the_bound(
    wrapper: DatabaseWrapper, proxy: FreezingProxy
) -> None:
    select_one(wrapper)  # the connection works
    proxy.freeze()

    assert isinstance(outcome_within(BOUND_SECONDS, lambda: select_one(wrapper)), OperationalError)
    assert wrapper.watchdog.fired >= 1
    assert not wrapper.is_usable()  # bounded too, and the pool would discard it


def test_a_commit_the_database_never_answers_fails_within_the_bound(
    wrapper: DatabaseWrapper, proxy: FreezingProxy
) -> None:
    wrapper.set_autocommit(False)
    select_one(wrapper)  # a transaction is open
    proxy.freeze()

    assert isinstance(outcome_within(BOUND_SECONDS, wrapper.commit), OperationalError)


def test_an_answered_round_trip_is_left_alone(wrapper: DatabaseWrapper) -> None:
    fired = wrapper.watchdog.fired
    for _ in range(3):
        select_one(wrapper)
        time.sleep(WATCHDOG_SECONDS / 2)
    assert wrapper.watchdog.fired == fired
