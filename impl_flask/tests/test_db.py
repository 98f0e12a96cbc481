"""A database that stops answering (alive at the TCP level, silent) is a bounded 503.

A small proxy stands between the app and the test database and can stop
forwarding, which to the app looks exactly like a frozen server: connections stay
open, nothing comes back. Statements, COMMIT and new connections must all give up
within the configured bounds, and the app must serve again once data flows.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from pydantic import SecretStr
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from werkzeug.test import TestResponse

from impl_flask.app import create_app
from impl_flask.db import EXTENSION_KEY, Database, get_session
from shared_db import Settings

# The server's statement timeout in these tests; the watchdog fires 0.5 s after it.
STATEMENT_TIMEOUT_MS = 500
CONNECT_TIMEOUT_SECONDS = 1
# Every answer while the database is silent comes within this.
BOUND_SECONDS = 2.5
# A request still unanswered after this is taken for hung.
HANG_SECONDS = 10.0


class SilentableProxy:
    """Forwards TCP connections to the database until told to go silent."""

    def __init__(self, target: str | tuple[str, int]) -> None:
        self.target = target
        self.flowing = threading.Event()
        self.flowing.set()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            family = socket.AF_UNIX if isinstance(self.target, str) else socket.AF_INET
            upstream = socket.socket(family, socket.SOCK_STREAM)
            upstream.connect(self.target)
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                # Silent: what arrives is held, never answered, never refused.
                self.flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.flowing.set()
        self.listener.close()
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def proxy(database_url: str) -> Iterator[SilentableProxy]:
    url = make_url(database_url)
    host = str(url.query.get("host") or url.host or "127.0.0.1")
    port = url.port or 5432
    target: str | tuple[str, int] = (
        f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)
    )
    proxy = SilentableProxy(target)
    yield proxy
    proxy.close()


@pytest.fixture
def silenceable_app(database_url: str, proxy: SilentableProxy) -> Iterator[Flask]:
    url = make_url(database_url).set(host="127.0.0.1", port=proxy.port, query={})
    settings = Settings(
        database_url=url.render_as_string(hide_password=False),
        jwt_secret=SecretStr("test-secret-for-impl-flask-0123456789abcdef"),
        db_pool_size=1,
        db_statement_timeout_ms=STATEMENT_TIMEOUT_MS,
        db_connect_timeout_seconds=CONNECT_TIMEOUT_SECONDS,
    )
    app = create_app(settings)
    yield app
    app.extensions[EXTENSION_KEY].engine.dispose()


def answered(proxy: SilentableProxy, request: Callable[[], TestResponse]) -> TestResponse:
    """``request()``'s answer; a test failure, not a hung test, if it never comes."""
    answer: list[TestResponse] = []
    thread = threading.Thread(target=lambda: answer.append(request()), daemon=True)
    thread.start()
    thread.join(HANG_SECONDS)
    if not answer:
        proxy.flowing.set()  # let it finish
        pytest.fail(f"no answer within {HANG_SECONDS} s: the request hung on the database")
    return answer[0]


def timed_get(app: Flask, proxy: SilentableProxy, path: str) -> tuple[int, float]:
    started = time.monotonic()
    response = answered(proxy, lambda: app.test_client().get(path))
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"
    return response.status_code, time.monotonic() - started


def test_a_silent_database_is_503_within_the_bound_then_served_again(
    silenceable_app: Flask, proxy: SilentableProxy
) -> None:
    database: Database = silenceable_app.extensions[EXTENSION_KEY]
    assert timed_get(silenceable_app, proxy, "/health")[0] == 200  # a pooled, working connection

    proxy.flowing.clear()
    # The pooled connection's statement: cut off by the watchdog (there is no pre-ping).
    status, seconds = timed_get(silenceable_app, proxy, "/health")
    assert (status, database.watchdog.fired) == (503, 1)
    assert seconds < BOUND_SECONDS
    # A new connection: libpq's connect timeout.
    status, seconds = timed_get(silenceable_app, proxy, "/items")
    assert status == 503
    assert seconds < BOUND_SECONDS

    proxy.flowing.set()
    assert timed_get(silenceable_app, proxy, "/health")[0] == 200
    assert timed_get(silenceable_app, proxy, "/items")[0] == 200
    assert database.watchdog.fired == 1


def test_a_commit_the_database_never_answers_is_503_within_the_bound(
    silenceable_app: Flask, proxy: SilentableProxy
) -> None:
    client = silenceable_app.test_client()
    credentials = {"username": "silent_commit", "password": "password-123"}
    engine = silenceable_app.extensions[EXTENSION_KEY].engine

    silent_at: list[float] = []

    # The INSERT is answered; the database falls silent before the COMMIT.
    def go_silent(*_args: Any) -> None:
        proxy.flowing.clear()
        silent_at.append(time.monotonic())

    event.listen(engine, "commit", go_silent)
    try:
        response = answered(proxy, lambda: client.post("/auth/register", json=credentials))
        seconds = time.monotonic() - silent_at[0]
    finally:
        event.remove(engine, "commit", go_silent)
    proxy.flowing.set()
    assert response.status_code == 503
    assert seconds < BOUND_SECONDS
    # Whether that COMMIT took effect is unknowable to the app (a frozen server may
    # still apply it when it wakes), so the 503 promises nothing about it; the next
    # request finds the database again on a new connection.
    assert client.get("/health").status_code == 200


@pytest.mark.parametrize(
    ("method", "isolation_level"),
    [("GET", "AUTOCOMMIT"), ("HEAD", "AUTOCOMMIT"), ("POST", None), ("PATCH", None)],
)
def test_reads_run_without_a_transaction_and_writes_in_one(
    app: Flask, method: str, isolation_level: str | None
) -> None:
    with app.test_request_context("/", method=method):
        bind = get_session().get_bind()
        assert isinstance(bind, Engine)
        assert bind.get_execution_options().get("isolation_level") == isolation_level
        # Either way the pool is the one pool.
        assert bind.pool is app.extensions[EXTENSION_KEY].engine.pool
