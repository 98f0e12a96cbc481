"""Queries and round trips per request, counted by the database itself (pg_stat_statements).

Before a scenario the statistics are reset; afterwards the ``calls`` of every
statement in the benchmark database are summed and divided by the requests sent.
Every statement a server sends is a round trip to the database; they are split into

- queries: the statements that read or write data (a pool's pre-ping ``SELECT 1``
  is one of them, and shows in the top statements);
- transaction control: BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE;
- session statements: SET, RESET, SHOW, DISCARD, DEALLOCATE.

The last two are "utility" statements, which pg_stat_statements counts only with
``pg_stat_statements.track_utility`` on (its default); ``enable`` checks it and, on
the benchmark's own database server, turns it on. pg_stat_statements' own
statements are left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from shared_db.urls import libpq_url

_TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|START|END)\b", re.I)
_SESSION = re.compile(r"^\s*(SET|RESET|SHOW|DISCARD|DEALLOCATE)\b", re.I)
_OWN = "pg_stat_statements"


class QueryCountUnavailable(RuntimeError):
    """pg_stat_statements is not loaded in this database server."""


@dataclass(frozen=True)
class QueryCount:
    queries: int
    transaction_control: int
    statements: list[tuple[str, int]]
    utility: int = 0
    """Session statements (SET, RESET, SHOW, DISCARD, DEALLOCATE)."""

    @property
    def round_trips(self) -> int:
        """Every statement sent: one round trip to the database each."""
        return self.queries + self.transaction_control + self.utility


def enable(url: str, *, own_server: bool) -> bool:
    """Make sure pg_stat_statements counts here; return whether utility tracking is on.

    ``own_server``: the benchmark's private server, whose settings it may change.
    """
    try:
        with psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=5) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("SELECT count(*) FROM pg_stat_statements")
            row = conn.execute("SHOW pg_stat_statements.track_utility").fetchone()
            tracking = bool(row and row[0] == "on")
            if not tracking and own_server:
                # Reloadable: no restart, and only this private server is touched.
                conn.execute("ALTER SYSTEM SET pg_stat_statements.track_utility = on")
                conn.execute("SELECT pg_reload_conf()")
                row = conn.execute("SHOW pg_stat_statements.track_utility").fetchone()
                tracking = bool(row and row[0] == "on")
            return tracking
    except psycopg.Error as exc:
        raise QueryCountUnavailable(
            "pg_stat_statements is not available in this database (it must be in "
            "shared_preload_libraries; the embedded Postgres preloads it)"
        ) from exc


def reset(url: str) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")


def classify(rows: list[tuple[str, int]]) -> QueryCount:
    queries = transaction = utility = 0
    kept = []
    for query, calls in rows:
        if _OWN in query:
            continue
        if _TRANSACTION.match(query):
            transaction += calls
        elif _SESSION.match(query):
            utility += calls
        else:
            queries += calls
        kept.append((query, calls))
    return QueryCount(queries, transaction, sorted(kept, key=lambda row: -row[1]), utility)


def read(url: str) -> QueryCount:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT query, calls::bigint FROM pg_stat_statements"
            " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchall()
    return classify([(str(query), int(calls)) for query, calls in rows])


def count(url: str, send: Callable[[], object], requests: int, *, warm_up: int = 10) -> QueryCount:
    """What ``requests`` calls of ``send`` (one HTTP request each) make the server send.

    A few requests first fill the pools and warm the caches, then the count starts."""
    for _ in range(warm_up):
        send()
    reset(url)
    for _ in range(requests):
        send()
    return read(url)


def summary(counted: QueryCount, requests: int) -> dict[str, Any]:
    """One scenario's record in the results (``results["workloads"][...]["queries"]``)."""
    return {
        "requests": requests,
        "queries": counted.queries,
        "transaction_control": counted.transaction_control,
        "utility": counted.utility,
        "round_trips": counted.round_trips,
        "per_request": counted.queries / requests,
        "transaction_per_request": counted.transaction_control / requests,
        "round_trips_per_request": counted.round_trips / requests,
        "top": [[q[:200], c] for q, c in counted.statements[:6]],
    }
