"""A client-side bound on database round trips, for a server that stops answering.

libpq's own timeouts cover a host that does not accept connections
(``connect_timeout``), a peer that vanished from the network (TCP keepalives,
``tcp_user_timeout``) and a slow statement (the server's ``statement_timeout``).
None covers a server that is alive at the TCP level but no longer answers: a
frozen or overloaded process, a proxy that stopped forwarding. The kernel keeps
acknowledging, so a query waits forever, and so does every request behind it.

The watchdog is the backstop for that case. An implementation arms it with the
connection's socket before a round trip and disarms it after; a round trip still
armed after ``seconds`` gets its socket shut down, which wakes the blocked read
with an error the driver reports as a lost connection (psycopg's
``OperationalError``: "server closed the connection unexpectedly"). The pool then
discards that connection and the request answers the contract's 503.

One daemon thread per process checks the armed round trips a few times a second,
so arming costs a dictionary insert, not a timer thread per query.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# How often the thread looks for overdue round trips: the bound is met within this.
_CHECK_INTERVAL_SECONDS = 0.1


class Watchdog:
    """Shut down the socket of any armed round trip that outlasts ``seconds``."""

    def __init__(self, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("the watchdog's bound must be positive")
        self.seconds = seconds
        self._lock = threading.Lock()
        self._armed: dict[int, tuple[float, int]] = {}  # token -> (deadline, fileno)
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None
        self._fired = 0
        # A forked worker (gunicorn, granian) inherits the dictionary but not the thread.
        os.register_at_fork(after_in_child=self._after_fork)

    @property
    def fired(self) -> int:
        """How many round trips this process's watchdog has cut off (for tests and logs)."""
        return self._fired

    def arm(self, fileno: int) -> int:
        """Start the clock for a round trip on the socket ``fileno``; return its token."""
        deadline = time.monotonic() + self.seconds
        with self._lock:
            token = next(self._tokens)
            self._armed[token] = (deadline, fileno)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="db-watchdog", daemon=True)
                self._thread.start()
        return token

    def disarm(self, token: int) -> None:
        """The round trip ended (well or not); forget it. Unknown tokens are ignored."""
        with self._lock:
            self._armed.pop(token, None)

    @contextmanager
    def guard(self, fileno: int) -> Iterator[None]:
        token = self.arm(fileno)
        try:
            yield
        finally:
            self.disarm(token)

    def _watch(self) -> None:
        while True:
            time.sleep(_CHECK_INTERVAL_SECONDS)
            now = time.monotonic()
            with self._lock:
                overdue = [t for t, (deadline, _) in self._armed.items() if deadline <= now]
                # Shut down while holding the lock: a disarmed token's descriptor may be
                # closed and reused at once, so only a still-armed one is touched.
                for token in overdue:
                    _, fileno = self._armed.pop(token)
                    _shut_down(fileno)
                    self._fired += 1

    def _after_fork(self) -> None:
        self._lock = threading.Lock()
        self._armed = {}
        self._thread = None


def _shut_down(fileno: int) -> None:
    """Shut the socket down for both directions, leaving the descriptor to its owner."""
    try:
        duplicate = socket.socket(fileno=os.dup(fileno))
    except OSError:
        return  # already closed
    try:
        duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # not connected any more: nothing is waiting on it
    finally:
        duplicate.close()
