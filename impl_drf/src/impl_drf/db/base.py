"""Django's PostgreSQL backend, every round trip bounded by ``shared_db.watchdog``.

libpq's timeouts (``connect_timeout``, TCP keepalives, ``tcp_user_timeout``) and the
server's ``statement_timeout`` cover a database that is down, unreachable or slow.
None covers one that accepted the connection and stopped answering (a frozen
process): the kernel keeps acknowledging, so a query would wait forever, and so
would the worker thread and every request queued behind it. The watchdog shuts the
connection's socket down when a round trip is not back within
``DATABASES[...]["WATCHDOG_SECONDS"]``; psycopg reports that as a lost connection,
which ``problems.exception_handler`` answers with the contract's 503, and the pool
discards the connection.

Subclassing a built-in backend is Django's documented way to change its behaviour.
Queries go through ``execute_wrappers``, the hook Django provides for every
statement; COMMIT, ROLLBACK and the usability check are sent on the connection
itself, outside any wrapper, so they are bounded here too. Taking a connection from
the pool needs no round trip (no health check, see settings), and opening one is
bounded by ``connect_timeout`` and the pool's own ``timeout``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.db.backends.postgresql import base

from shared_db.watchdog import Watchdog


@cache
def _watchdog(seconds: float) -> Watchdog:
    """One watchdog (one thread, started on first use) per process and bound."""
    return Watchdog(seconds)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.watchdog = _watchdog(float(self.settings_dict["WATCHDOG_SECONDS"]))
        # First in the list, so outermost: the bound covers any wrapper added later.
        self.execute_wrappers.insert(0, self._bounded_execute)

    @contextmanager
    def bounded_round_trip(self) -> Iterator[None]:
        connection = self.connection
        if connection is None or connection.closed:
            yield  # nothing will be sent: psycopg fails at once
            return
        with self.watchdog.guard(connection.fileno()):
            yield

    def _bounded_execute(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        with self.bounded_round_trip():
            return execute(sql, params, many, context)

    # transaction.atomic() ends through these two.
    def commit(self) -> None:
        with self.bounded_round_trip():
            super().commit()

    def rollback(self) -> None:
        with self.bounded_round_trip():
            super().rollback()

    def is_usable(self) -> bool:
        with self.bounded_round_trip():
            return bool(super().is_usable())
