from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pydantic import SecretStr

from impl_flask.app import create_app
from shared_db import Settings

# Port 1 refuses connections at once: tests that must not touch the database
# would fail loudly (503) instead of passing by accident.
UNREACHABLE_DATABASE_URL = "postgresql://postgres@127.0.0.1:1/none"
TEST_SECRET = "test-secret-for-impl-flask-0123456789abcdef"


@pytest.fixture
def settings() -> Settings:
    return Settings(database_url=UNREACHABLE_DATABASE_URL, jwt_secret=SecretStr(TEST_SECRET))


@pytest.fixture
def app(settings: Settings) -> Flask:
    return create_app(settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
