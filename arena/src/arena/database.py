"""The database every command uses: ``DATABASE_URL`` if set, else the embedded Postgres."""

from __future__ import annotations

from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from arena.project import ProjectError, state_dir
from shared_db import Settings, embedded, migrate
from shared_db.urls import libpq_url


def pgdata() -> Path:
    return state_dir() / "pg"


def ensure_url(settings: Settings) -> str:
    """Return a reachable database URL, starting the embedded Postgres when needed."""
    url = settings.database_url or embedded.ensure_running(pgdata())
    try:
        with psycopg.connect(libpq_url(url), connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as exc:
        raise ProjectError(
            f"cannot reach the database at {redacted(url)}: {str(exc).strip()}\n"
            "Check DATABASE_URL, or unset it to use the embedded Postgres."
        ) from exc
    return url


def ensure_migrated(settings: Settings) -> str:
    url = ensure_url(settings)
    migrate.upgrade(url)
    return url


def server_version(url: str) -> str:
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


def redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
