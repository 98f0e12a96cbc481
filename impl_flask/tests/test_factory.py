from __future__ import annotations

import gc
from datetime import timedelta

import pytest
from flask import Flask

from impl_flask.app import create_app
from impl_flask.db import EXTENSION_KEY
from shared_db import ConfigurationError, Settings


def test_factory_uses_the_given_settings(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"jwt_ttl_seconds": 120, "db_pool_size": 3}))
    assert app.config["JWT_SECRET_KEY"] == settings.jwt_secret.get_secret_value()
    assert app.config["JWT_ACCESS_TOKEN_EXPIRES"] == timedelta(seconds=120)
    assert app.extensions[EXTENSION_KEY].engine.pool.size() == 3


def test_factory_builds_without_touching_the_database(app: Flask) -> None:
    # The settings point at a port that refuses connections: building the app
    # and serving a route that needs no database must still work.
    pool = app.extensions[EXTENSION_KEY].engine.pool
    assert pool.checkedout() == 0
    response = app.test_client().get("/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_each_call_builds_a_new_app(settings: Settings) -> None:
    assert create_app(settings) is not create_app(settings)


def test_factory_requires_a_database_url() -> None:
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        create_app(Settings(database_url=None))


def test_health_is_503_when_the_database_is_unreachable(app: Flask) -> None:
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Service Unavailable"


def test_factory_freezes_the_start_up_heap(settings: Settings) -> None:
    gc.unfreeze()
    app = create_app(settings)
    # The app itself is among what collections no longer scan.
    assert gc.get_freeze_count() > 0
    assert all(obj is not app for obj in gc.get_objects())
