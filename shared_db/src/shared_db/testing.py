"""Test helper: a throw-away database, migrated or empty, where CREATE DATABASE is allowed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

from shared_db import migrate
from shared_db.urls import libpq_url

ADMIN_URL_ENV = "ARENA_TEST_ADMIN_URL"


@contextmanager
def temporary_database(admin_url: str, *, migrated: bool = True) -> Iterator[str]:
    """Create a uniquely named database next to ``admin_url``'s, yield its URL, drop it."""
    name = f"arena_test_{uuid.uuid4().hex[:12]}"
    admin = libpq_url(admin_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        if migrated:
            migrate.upgrade(url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
