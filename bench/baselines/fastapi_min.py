"""Baseline, not the contract: FastAPI answering GET /items/{id} and GET /me, one query each."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import jwt
from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from shared_db.urls import libpq_url

QUERY = "SELECT id, name, price_cents, owner_id, created_at FROM items WHERE id = %s"
USER_QUERY = "SELECT id, username, created_at FROM users WHERE id = %s"


def create_app() -> FastAPI:
    pool = AsyncConnectionPool(
        libpq_url(os.environ["DATABASE_URL"]),
        min_size=1,
        max_size=10,  # the implementations' DB_POOL_SIZE
        open=False,
        # Autocommit: a read is one statement, one round trip, as the minimum should be.
        kwargs={"row_factory": dict_row, "autocommit": True},
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await pool.open()
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan)
    secret = os.environ["JWT_SECRET"]

    @app.get("/health")
    async def health() -> dict[str, str]:
        async with pool.connection() as conn:
            await conn.execute("SELECT 1")
        return {"status": "ok", "database": "ok"}

    @app.get("/items/{item_id}")
    async def retrieve_item(item_id: int) -> Any:
        async with pool.connection() as conn:
            row = await (await conn.execute(QUERY, (item_id,))).fetchone()
        if row is None:
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        return row

    @app.get("/me")
    async def me(authorization: Annotated[str, Header()] = "") -> Any:
        try:
            user_id = int(jwt.decode(authorization[7:], secret, algorithms=["HS256"])["sub"])
        except (jwt.InvalidTokenError, KeyError, ValueError):
            return JSONResponse({"detail": "Unauthorized"}, status_code=401)
        async with pool.connection() as conn:
            row = await (await conn.execute(USER_QUERY, (user_id,))).fetchone()
        if row is None:
            return JSONResponse({"detail": "Unauthorized"}, status_code=401)
        return row

    return app
