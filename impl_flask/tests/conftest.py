from __future__ import annotations

import gc
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pydantic import SecretStr

from impl_flask.app import create_app
from impl_flask.db import EXTENSION_KEY
from shared_db import Settings
from shared_db.testing import temporary_database

# Port 1 refuses connections at once: tests that must not touch the database
# would fail loudly (503) instead of passing by accident.
UNREACHABLE_DATABASE_URL = "postgresql://postgres@127.0.0.1:1/none"
TEST_SECRET = "test-secret-for-impl-flask-0123456789abcdef"
PASSWORD = "password-for-tests"

# Unique across this package's tests, which share one database.
_usernames = itertools.count()


@pytest.fixture(autouse=True)
def _unfreeze_gc() -> Iterator[None]:
    # Every create_app() freezes the heap (a server calls it once per worker); here
    # many apps come and go, and a frozen one would never be collected.
    yield
    gc.unfreeze()


@pytest.fixture
def settings() -> Settings:
    return Settings(database_url=UNREACHABLE_DATABASE_URL, jwt_secret=SecretStr(TEST_SECRET))


@pytest.fixture
def app(settings: Settings) -> Flask:
    return create_app(settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# --- with a real database -------------------------------------------------------


@pytest.fixture(scope="session")
def database_url(admin_database_url: str) -> Iterator[str]:
    """One migrated throw-away database for this package's tests (each makes its own users)."""
    with temporary_database(admin_database_url) as url:
        yield url


@pytest.fixture
def db_settings(database_url: str) -> Settings:
    # One pooled connection: every request reuses the one a previous request used.
    return Settings(database_url=database_url, jwt_secret=SecretStr(TEST_SECRET), db_pool_size=1)


@pytest.fixture
def db_app(db_settings: Settings) -> Iterator[Flask]:
    app = create_app(db_settings)
    yield app
    app.extensions[EXTENSION_KEY].engine.dispose()


@pytest.fixture
def db_client(db_app: Flask) -> FlaskClient:
    return db_app.test_client()


@pytest.fixture
def make_account(db_client: FlaskClient) -> Callable[[], dict[str, Any]]:
    """``make_account()``: a new user, as ``id``, ``username``, ``password`` and ``headers``."""

    def register() -> dict[str, Any]:
        username = f"user_{next(_usernames)}"
        credentials = {"username": username, "password": PASSWORD}
        created = db_client.post("/auth/register", json=credentials)
        assert created.status_code == 201, created.get_data(as_text=True)
        token = db_client.post("/auth/token", json=credentials)
        assert token.status_code == 200, token.get_data(as_text=True)
        return {
            **credentials,
            "id": created.get_json()["id"],
            "headers": {"Authorization": f"Bearer {token.get_json()['access_token']}"},
        }

    return register


@pytest.fixture
def account(make_account: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    return make_account()
