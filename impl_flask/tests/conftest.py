from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from impl_flask.app import create_app
from shared_db import Settings
from shared_db.migrate import upgrade

# Port 1 refuses connections at once: tests that must not touch the database
# would fail loudly (503) instead of passing by accident.
UNREACHABLE_DATABASE_URL = "postgresql://postgres@127.0.0.1:1/none"
TEST_SECRET = "test-secret-for-impl-flask-0123456789abcdef"


@pytest.fixture
def settings() -> Settings:
    return Settings(database_url=UNREACHABLE_DATABASE_URL, jwt_secret=TEST_SECRET)


@pytest.fixture
def app(settings: Settings) -> Flask:
    return create_app(settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def migrated_database_url() -> Iterator[str]:
    """A fresh database migrated to Alembic's head, dropped afterwards."""
    admin_url = os.environ.get("ARENA_TEST_ADMIN_URL")
    if not admin_url:
        pytest.fail(
            "Set ARENA_TEST_ADMIN_URL to a libpq URL of a role allowed to CREATE DATABASE, "
            "e.g. postgresql://postgres@127.0.0.1:5432/postgres"
        )
    name = f"impl_flask_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
