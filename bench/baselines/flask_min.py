"""Baseline, not the contract: Flask answering GET /items/{id} with one query, nothing else."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, abort
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from shared_db.urls import libpq_url

QUERY = "SELECT id, name, price_cents, owner_id, created_at FROM items WHERE id = %s"


def create_app() -> Flask:
    pool = ConnectionPool(
        libpq_url(os.environ["DATABASE_URL"]),
        min_size=1,
        max_size=4,
        kwargs={"row_factory": dict_row},
    )
    app = Flask(__name__)

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

    return app
