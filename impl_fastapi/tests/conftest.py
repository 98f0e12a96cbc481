from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url
from starlette.exceptions import StarletteDeprecationWarning

from impl_fastapi.app import create_app
from shared_db import Settings
from shared_db.migrate import upgrade
from shared_db.urls import libpq_url

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its TestClient and warns once, at import, when
    # it falls back to httpx (the client this workspace locks). The fallback works;
    # only that warning is silenced, everything else stays an error.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

ADMIN_URL_ENV = "ARENA_TEST_ADMIN_URL"
# Port 1 refuses connections at once: the app must answer 503, never hang or 500.
UNREACHABLE_DATABASE_URL = "postgresql://postgres@127.0.0.1:1/none"
TEST_SECRET = "impl-fastapi-test-secret-0123456789abcdef"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build their own Settings; nothing leaks in from the shell."""
    for name in ("DATABASE_URL", "JWT_SECRET", "JWT_TTL_SECONDS", "DB_POOL_SIZE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def settings() -> Settings:
    return Settings(database_url=UNREACHABLE_DATABASE_URL, jwt_secret=TEST_SECRET)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app with its lifespan running, on a database that cannot be reached."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def migrated_database_url() -> Iterator[str]:
    """A fresh database, migrated by Alembic to head, dropped afterwards."""
    admin_url = os.environ.get(ADMIN_URL_ENV)
    if not admin_url:
        pytest.fail(
            f"{ADMIN_URL_ENV} is not set: give a PostgreSQL URL on which the tests may "
            "CREATE DATABASE, e.g. postgresql://postgres@127.0.0.1:5432/postgres "
            "(`make test` sets it).",
            pytrace=False,
        )
    name = f"impl_fastapi_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    database_url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(database_url)
        yield database_url
    finally:
        with psycopg.connect(libpq_url(admin_url), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
