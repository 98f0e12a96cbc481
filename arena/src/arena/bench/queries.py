"""Queries per request, counted by the database itself (pg_stat_statements).

Before a scenario the statistics are reset; afterwards the ``calls`` of every
statement in the benchmark database are summed and divided by the requests sent.
Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT) is counted apart from the
queries proper, and pg_stat_statements' own statements are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg

from shared_db.urls import libpq_url

_TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|START)\b", re.I)
_OWN = "pg_stat_statements"


class QueryCountUnavailable(RuntimeError):
    """pg_stat_statements is not loaded in this database server."""


@dataclass(frozen=True)
class QueryCount:
    queries: int
    transaction_control: int
    statements: list[tuple[str, int]]


def enable(url: str) -> None:
    try:
        with psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=5) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("SELECT count(*) FROM pg_stat_statements")
    except psycopg.Error as exc:
        raise QueryCountUnavailable(
            "pg_stat_statements is not available in this database (it must be in "
            "shared_preload_libraries; the embedded Postgres preloads it)"
        ) from exc


def reset(url: str) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")


def classify(rows: list[tuple[str, int]]) -> QueryCount:
    queries = transaction = 0
    kept = []
    for query, calls in rows:
        if _OWN in query:
            continue
        if _TRANSACTION.match(query):
            transaction += calls
        else:
            queries += calls
        kept.append((query, calls))
    return QueryCount(queries, transaction, sorted(kept, key=lambda row: -row[1]))


def read(url: str) -> QueryCount:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT query, calls::bigint FROM pg_stat_statements"
            " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchall()
    return classify([(str(query), int(calls)) for query, calls in rows])
