"""Baseline, not the contract: Flask answering GET /items/{id} and GET /me, one query each."""

from __future__ import annotations

import os
from typing import Any

import jwt
from flask import Flask, abort, request
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from shared_db.urls import libpq_url

QUERY = "SELECT id, name, price_cents, owner_id, created_at FROM items WHERE id = %s"
USER_QUERY = "SELECT id, username, created_at FROM users WHERE id = %s"


def create_app() -> Flask:
    pool = ConnectionPool(
        libpq_url(os.environ["DATABASE_URL"]),
        min_size=1,
        max_size=10,  # the implementations' DB_POOL_SIZE
        # Autocommit: a read is one statement, one round trip, as the minimum should be.
        kwargs={"row_factory": dict_row, "autocommit": True},
    )
    app = Flask(__name__)
    secret = os.environ["JWT_SECRET"]

    @app.get("/health")
    def health() -> dict[str, str]:
        with pool.connection() as conn:
            conn.execute("SELECT 1")
        return {"status": "ok", "database": "ok"}

    @app.get("/items/<int:item_id>")
    def retrieve_item(item_id: int) -> Any:
        with pool.connection() as conn:
            row = conn.execute(QUERY, (item_id,)).fetchone()
        if row is None:
            abort(404)
        return row

    @app.get("/me")
    def me() -> Any:
        token = request.headers.get("Authorization", "")[7:]
        try:
            user_id = int(jwt.decode(token, secret, algorithms=["HS256"])["sub"])
        except (jwt.InvalidTokenError, KeyError, ValueError):
            abort(401)
        with pool.connection() as conn:
            row = conn.execute(USER_QUERY, (user_id,)).fetchone()
        if row is None:
            abort(401)
        return row

    return app
