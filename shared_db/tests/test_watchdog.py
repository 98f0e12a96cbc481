import socket
import time

import psycopg
import pytest

from shared_db.urls import libpq_url
from shared_db.watchdog import Watchdog


@pytest.fixture
def silent_peer():
    """A TCP peer that accepts and then never answers (the kernel still acknowledges)."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.create_connection(server.getsockname())
        accepted, _ = server.accept()
        try:
            yield client
        finally:
            client.close()
            accepted.close()


def test_an_overdue_read_is_woken(silent_peer):
    watchdog = Watchdog(0.3)
    started = time.monotonic()
    with watchdog.guard(silent_peer.fileno()):
        silent_peer.settimeout(10)
        assert silent_peer.recv(1) == b""  # shut down: end of stream, not a 10 s wait
    assert time.monotonic() - started < 2
    assert watchdog.fired == 1


def test_a_disarmed_round_trip_is_left_alone(silent_peer):
    watchdog = Watchdog(0.2)
    with watchdog.guard(silent_peer.fileno()):
        pass
    time.sleep(0.5)
    assert watchdog.fired == 0
    silent_peer.settimeout(0.1)
    with pytest.raises(TimeoutError):
        silent_peer.recv(1)  # still connected: nothing shut it down


def test_a_stuck_query_fails_as_a_lost_connection(admin_database_url):
    watchdog = Watchdog(0.5)
    with psycopg.connect(libpq_url(admin_database_url)) as conn:
        started = time.monotonic()
        with pytest.raises(psycopg.OperationalError), watchdog.guard(conn.fileno()):
            conn.execute("SELECT pg_sleep(10)")
        assert time.monotonic() - started < 3
        assert conn.broken


def test_the_bound_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        Watchdog(0)
