from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from impl_fastapi.app import create_app
from shared_db import Settings
from shared_db.testing import temporary_database

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its TestClient and warns once, at import, when
    # it falls back to httpx (the client this workspace locks). The fallback works;
    # only that warning is silenced, everything else stays an error.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

# Port 1 refuses connections at once: the app must answer 503, never hang or 500.
UNREACHABLE_DATABASE_URL = "postgresql://postgres@127.0.0.1:1/none"
TEST_SECRET = "impl-fastapi-test-secret-0123456789abcdef"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build their own Settings; nothing leaks in from the shell."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def settings() -> Settings:
    return Settings(database_url=UNREACHABLE_DATABASE_URL, jwt_secret=TEST_SECRET)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app with its lifespan running, on a database that cannot be reached."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def db_client(migrated_database_url: str) -> Iterator[TestClient]:
    """The app with its lifespan running, on a throw-away database at Alembic's head."""
    settings = Settings(database_url=migrated_database_url, jwt_secret=TEST_SECRET)
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def migrated_database_url(admin_database_url: str) -> Iterator[str]:
    """One fresh database at Alembic's head for the whole session (overrides the root's)."""
    with temporary_database(admin_database_url) as url:
        yield url
