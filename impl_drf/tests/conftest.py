"""Django is configured once per test process, from a ``Settings`` built here.

``impl_drf.settings`` reads the environment once, at ``django.setup()``; the
variables are set only for that moment, so nothing leaks into other tests. The
database they name refuses connections (port 1): a test that needs a real one asks
for the ``database`` fixture, which points Django at a fresh, migrated database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import django
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import setup_test_environment, teardown_test_environment

from shared_db import Settings
from shared_db.testing import temporary_database

UNREACHABLE_DATABASE_URL = "postgresql://postgres@127.0.0.1:1/none"
TEST_SECRET = "test-secret-for-impl-drf-0123456789abcdef"
DATABASE_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT")


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def pytest_configure(config: pytest.Config) -> None:
    with _environment(
        DJANGO_SETTINGS_MODULE="impl_drf.settings",
        DATABASE_URL=UNREACHABLE_DATABASE_URL,
        JWT_SECRET=TEST_SECRET,
        JWT_TTL_SECONDS="3600",
    ):
        django.setup()
    setup_test_environment()  # the test client's "testserver" host, in-memory email


def pytest_unconfigure(config: pytest.Config) -> None:
    teardown_test_environment()


@pytest.fixture(scope="session")
def database_url(admin_database_url: str) -> Iterator[str]:
    """A fresh database at Alembic's head (the shared schema), dropped afterwards."""
    with temporary_database(admin_database_url) as url:
        yield url


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[str]:
    """Django's default connection on the fresh database, with Django's own tables."""
    # What Django's test runner does for its test database: repoint the connection
    # before it is used (the pool is built from these settings on first use).
    from impl_drf.settings import database_from_url  # imported once django.setup() ran

    _close_pool()
    fresh = database_from_url(database_url, Settings(db_pool_size=2))
    connection.settings_dict.update({key: fresh[key] for key in DATABASE_KEYS})
    call_command("migrate", verbosity=0, interactive=False)
    try:
        yield database_url
    finally:
        connection.close()
        _close_pool()


def _close_pool() -> None:
    # Django's own pool (5.1+): django-stubs does not describe close_pool() yet.
    connection.close_pool()  # type: ignore[attr-defined]
