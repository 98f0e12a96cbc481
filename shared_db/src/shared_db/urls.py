"""Turn one PostgreSQL URL into the forms each driver layer expects."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url

_POSTGRES_SCHEMES = {"postgres", "postgresql"}


def sqlalchemy_url(database_url: str) -> URL:
    """``postgresql://...`` -> a SQLAlchemy URL on psycopg 3 (works for sync and async engines)."""
    url = make_url(database_url.replace("postgres://", "postgresql://", 1))
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"not a PostgreSQL URL: {url.render_as_string(hide_password=True)}")
    return url.set(drivername="postgresql+psycopg")


def libpq_url(database_url: str) -> str:
    """A plain libpq URL (psycopg, psql, pgbench), whatever driver suffix it carried."""
    url = make_url(database_url)
    if url.drivername.split("+")[0] not in _POSTGRES_SCHEMES:
        raise ValueError(f"not a PostgreSQL URL: {url.render_as_string(hide_password=True)}")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
