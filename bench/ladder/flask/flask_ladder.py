# flask-smorest's decorators (rung 5) are untyped.
# mypy: disallow-untyped-decorators=False
"""Ladder rungs, not the contract: impl_flask's layers added one at a time.

Each factory is the one before it plus one layer, as impl_flask uses it, from
``bench/baselines/flask_min.py`` (psycopg pool, PyJWT, plain dicts) towards the
full implementation:

1. ``create_parsing``: + the contract's request parsing on these two routes:
   impl_flask's item id converter and range check (webargs parses only bodies and
   ``GET /items``' query, neither of which these routes have);
2. ``create_marshmallow``: + response shaping by impl_flask's ``ItemRead`` /
   ``UserRead`` schemas, built once at start-up;
3. ``create_orm``: + the ORM: impl_flask's engine, models and session per request
   (``impl_flask.db``) instead of the psycopg pool;
4. ``create_jwt``: + bearer auth by flask-jwt-extended (``impl_flask.security``:
   ``login_required``, the user loader, ``current_user``) instead of PyJWT;
5. ``create_hooks``: + the error layer and request hooks: flask-smorest's ``Api``
   with impl_flask's problem+json handlers, a smorest blueprint whose
   ``@blp.response`` dumps the row, and the before/after-request hooks.

Each also answers ``GET /health`` (the harness waits for it) as its layers would.
What the full implementation adds beyond rung 5: its other routes, the OpenAPI
document and docs pages, and ``gc.freeze()`` at the end of its factory.
"""

from __future__ import annotations

import os
from typing import Any

import jwt
from flask import Flask, abort, request
from flask_jwt_extended import current_user
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool
from sqlalchemy import text

from impl_flask import db, parsing, security
from impl_flask.app import docs_page_policy
from impl_flask.models import BIGINT_MAX, Item, User
from impl_flask.problems import ProblemApi
from impl_flask.routes import health
from impl_flask.routes.items import ITEM_PATH, ItemIdConverter, get_item, item_id_schema
from impl_flask.schemas import ItemRead, UserRead
from shared_db import Settings
from shared_db.urls import libpq_url

QUERY = "SELECT id, name, price_cents, owner_id, created_at FROM items WHERE id = %s"
USER_QUERY = "SELECT id, username, created_at FROM users WHERE id = %s"


def _pool() -> ConnectionPool:
    # The baseline's pool: the implementation's size, reads in autocommit.
    return ConnectionPool(
        libpq_url(os.environ["DATABASE_URL"]),
        min_size=1,
        max_size=10,
        kwargs={"row_factory": dict_row, "autocommit": True},
    )


def _token_user_id(secret: str) -> int:
    """The baseline's bearer check: PyJWT, HS256, ``sub`` as the user id; else 401."""
    token = request.headers.get("Authorization", "")[7:]
    try:
        return int(jwt.decode(token, secret, algorithms=["HS256"])["sub"])
    except (jwt.InvalidTokenError, KeyError, ValueError):
        abort(401)


def _flask_with_item_ids() -> Flask:
    app = Flask(__name__)
    app.url_map.converters["item_id"] = ItemIdConverter
    return app


def _pool_health(app: Flask, pool: ConnectionPool) -> None:
    @app.get("/health")
    def health() -> dict[str, str]:
        with pool.connection() as conn:
            conn.execute("SELECT 1")
        return {"status": "ok", "database": "ok"}


def _session_health(app: Flask) -> None:
    @app.get("/health")
    def health() -> dict[str, str]:
        db.get_session().execute(text("SELECT 1"))
        return {"status": "ok", "database": "ok"}


# 1 ---------------------------------------------------------------------------
def create_parsing() -> Flask:
    pool, secret = _pool(), os.environ["JWT_SECRET"]
    app = _flask_with_item_ids()
    _pool_health(app, pool)

    @app.get(f"/items{ITEM_PATH}")
    def retrieve_item(item_id: int) -> Any:
        if not 1 <= item_id <= BIGINT_MAX:
            abort(404)
        with pool.connection() as conn:
            row = conn.execute(QUERY, (item_id,)).fetchone()
        if row is None:
            abort(404)
        return row

    @app.get("/me")
    def me() -> Any:
        user_id = _token_user_id(secret)
        with pool.connection() as conn:
            row = conn.execute(USER_QUERY, (user_id,)).fetchone()
        if row is None:
            abort(401)
        return row

    return app


# 2 ---------------------------------------------------------------------------
def create_marshmallow() -> Flask:
    pool, secret = _pool(), os.environ["JWT_SECRET"]
    item_read, user_read = ItemRead(), UserRead()
    app = _flask_with_item_ids()
    _pool_health(app, pool)

    @app.get(f"/items{ITEM_PATH}")
    def retrieve_item(item_id: int) -> Any:
        if not 1 <= item_id <= BIGINT_MAX:
            abort(404)
        with pool.connection() as conn:
            row = conn.execute(QUERY, (item_id,)).fetchone()
        if row is None:
            abort(404)
        return item_read.dump(row)

    @app.get("/me")
    def me() -> Any:
        user_id = _token_user_id(secret)
        with pool.connection() as conn:
            row = conn.execute(USER_QUERY, (user_id,)).fetchone()
        if row is None:
            abort(401)
        return user_read.dump(row)

    return app


# 3 ---------------------------------------------------------------------------
def create_orm() -> Flask:
    settings = Settings()
    secret = settings.jwt_secret.get_secret_value()
    item_read, user_read = ItemRead(), UserRead()
    app = _flask_with_item_ids()
    db.init_app(app, settings)
    _session_health(app)

    @app.get(f"/items{ITEM_PATH}")
    def retrieve_item(item_id: int) -> Any:
        return item_read.dump(get_item(item_id))

    @app.get("/me")
    def me() -> Any:
        user = db.get_session().get(User, _token_user_id(secret))
        if user is None:
            abort(401)
        return user_read.dump(user)

    return app


# 4 ---------------------------------------------------------------------------
def create_jwt() -> Flask:
    settings = Settings()
    item_read, user_read = ItemRead(), UserRead()
    app = _flask_with_item_ids()
    db.init_app(app, settings)
    _session_health(app)
    security.init_app(app, settings)

    @app.get(f"/items{ITEM_PATH}")
    def retrieve_item(item_id: int) -> Any:
        return item_read.dump(get_item(item_id))

    @app.get("/me")
    @security.login_required
    def me() -> Any:
        return user_read.dump(current_user)

    return app


# 5 ---------------------------------------------------------------------------
def create_hooks() -> Flask:
    settings = Settings()
    app = Flask(__name__, static_folder=None)
    app.config.update(API_TITLE="ladder", API_VERSION="1", OPENAPI_VERSION="3.0.3")
    app.url_map.strict_slashes = True
    app.url_map.redirect_defaults = False
    app.before_request(parsing.limit_request_target)
    app.after_request(parsing.drain_unread_body)
    app.after_request(docs_page_policy)
    db.init_app(app, settings)
    security.init_app(app, settings)
    app.url_map.converters["item_id"] = ItemIdConverter
    api = ProblemApi(app)
    api.register_converter(ItemIdConverter, item_id_schema)
    blp = parsing.Blueprint("ladder", __name__)

    @blp.get(f"/items{ITEM_PATH}")
    @blp.response(200, ItemRead)
    def retrieve_item(item_id: int) -> Item:
        return get_item(item_id)

    @blp.get("/me")
    @security.login_required
    @blp.response(200, UserRead)
    def me() -> User:
        user: User = current_user
        return user

    api.register_blueprint(health.blp)
    api.register_blueprint(blp)
    return app
