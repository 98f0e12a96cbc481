"""Ladder rungs, not the contract: from FastAPI's baseline to impl_fastapi, one layer a rung.

Each factory below is one rung of ``rungs.toml`` and adds one layer to the factory
above it, so what a rung costs over the one before is that layer alone:

1. ``with_validation``: the contract's request parsing, impl_fastapi's own: the
   ``{item_id:int}`` path with its ``ItemId`` parameter and range check, and the
   ``Authorization`` header read by its ``HTTPBearer`` dependency.
2. ``with_response_model``: FastAPI's ``response_model`` with ``ItemRead``/``UserRead``.
3. ``with_session_core``: impl_fastapi's engine (its pool, the watchdog's events)
   and its read session per request, queried with a Core ``select`` of the table.
   Not what impl_fastapi does: it separates the session's cost from the ORM's.
4. ``with_orm``: ORM entities, loaded by ``session.get`` as impl_fastapi does
   (its ``ItemDep``), then read by the response model from their attributes.
5. ``with_auth``: impl_fastapi's ``CurrentReader`` dependency: its token checks
   (``decode_access_token``) and the user loaded through the session.
6. ``with_problems``: its problem+json handlers and its ASGI middleware (body and
   request-target limits, the docs pages' policy), as ``create_app`` installs them.

The full implementation adds the rest of the API (more routes to match), the
offline docs and its OpenAPI document. Every rung freezes its start-up heap as
impl_fastapi does (the baseline does not, so the first rung's difference holds that
too); the baseline's answers for errors (``{"detail": ...}``) are kept until rung 6.
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import select

from impl_fastapi.app import MAX_BODY_BYTES, MAX_TARGET_BYTES, State
from impl_fastapi.db import create_engine, create_read_sessionmaker, create_sessionmaker
from impl_fastapi.deps import CurrentReader, ItemDep, ItemId, ReadSessionDep, bearer_scheme
from impl_fastapi.docs_pages import DocsPagePolicy
from impl_fastapi.middleware import BodySizeLimit, RequestTargetLimit
from impl_fastapi.models import Item, User
from impl_fastapi.problems import install_problem_handlers
from impl_fastapi.routes import health
from impl_fastapi.routes.items import ITEM_PATH
from impl_fastapi.schemas import ItemRead, UserRead
from impl_fastapi.security import BIGINT_MAX
from shared_db import Settings
from shared_db.urls import libpq_url

QUERY = "SELECT id, name, price_cents, owner_id, created_at FROM items WHERE id = %s"
USER_QUERY = "SELECT id, username, created_at FROM users WHERE id = %s"
# impl_fastapi's route: digits only, so anything else is a 404 without reaching the handler.
ITEM_ROUTE = "/items" + ITEM_PATH
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


def _frozen() -> None:
    # As impl_fastapi's lifespan does: later collections skip the start-up heap.
    gc.collect()
    gc.freeze()


def _not_found() -> HTTPException:
    return HTTPException(404, "Not Found")


def _unauthorized() -> HTTPException:
    return HTTPException(401, "Unauthorized")


def _user_id(credentials: HTTPAuthorizationCredentials | None, secret: str) -> int:
    """The baseline's token check (rungs 1-4), on the header ``HTTPBearer`` parsed."""
    if credentials is None:
        raise _unauthorized()
    try:
        return int(jwt.decode(credentials.credentials, secret, algorithms=["HS256"])["sub"])
    except (jwt.InvalidTokenError, KeyError, ValueError) as exc:
        raise _unauthorized() from exc


# -- rungs 1-2: the baseline's psycopg pool ---------------------------------------------


def _pool_app() -> tuple[FastAPI, AsyncConnectionPool, str]:
    pool = AsyncConnectionPool(
        libpq_url(os.environ["DATABASE_URL"]),
        min_size=1,
        max_size=10,  # as the baseline: the implementations' DB_POOL_SIZE
        open=False,
        # As the baseline: autocommit, one round trip per read.
        kwargs={"row_factory": dict_row, "autocommit": True},
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await pool.open()
        _frozen()
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/health")
    async def health() -> dict[str, str]:
        async with pool.connection() as conn:
            await conn.execute("SELECT 1")
        return {"status": "ok", "database": "ok"}

    return app, pool, os.environ["JWT_SECRET"]


def with_validation() -> FastAPI:
    app, pool, secret = _pool_app()

    @app.get(ITEM_ROUTE)
    async def retrieve_item(item_id: ItemId) -> Any:
        if item_id > BIGINT_MAX:
            raise _not_found()
        async with pool.connection() as conn:
            row = await (await conn.execute(QUERY, (item_id,))).fetchone()
        if row is None:
            raise _not_found()
        return row

    @app.get("/me")
    async def me(credentials: Credentials) -> Any:
        user_id = _user_id(credentials, secret)
        async with pool.connection() as conn:
            row = await (await conn.execute(USER_QUERY, (user_id,))).fetchone()
        if row is None:
            raise _unauthorized()
        return row

    return app


def with_response_model() -> FastAPI:
    app, pool, secret = _pool_app()

    @app.get(ITEM_ROUTE, response_model=ItemRead)
    async def retrieve_item(item_id: ItemId) -> Any:
        if item_id > BIGINT_MAX:
            raise _not_found()
        async with pool.connection() as conn:
            row = await (await conn.execute(QUERY, (item_id,))).fetchone()
        if row is None:
            raise _not_found()
        return row

    @app.get("/me", response_model=UserRead)
    async def me(credentials: Credentials) -> Any:
        user_id = _user_id(credentials, secret)
        async with pool.connection() as conn:
            row = await (await conn.execute(USER_QUERY, (user_id,))).fetchone()
        if row is None:
            raise _unauthorized()
        return row

    return app


# -- rungs 3-6: impl_fastapi's engine and sessions -------------------------------------


@asynccontextmanager
async def _engine_lifespan(app: FastAPI) -> AsyncIterator[State]:
    # impl_fastapi's lifespan, the engine and both session factories on its pool.
    engine = create_engine(app.state.settings)
    state: State = {
        "sessionmaker": create_sessionmaker(engine),
        "read_sessionmaker": create_read_sessionmaker(engine),
    }
    _frozen()
    try:
        yield state
    finally:
        await engine.dispose()


def _session_app(**options: Any) -> tuple[FastAPI, str]:
    app = FastAPI(lifespan=_engine_lifespan, **options)
    app.state.settings = Settings()
    app.include_router(health.router)
    return app, app.state.settings.jwt_secret.get_secret_value()


def with_session_core() -> FastAPI:
    app, secret = _session_app()
    items, users = Item.__table__, User.__table__

    @app.get(ITEM_ROUTE, response_model=ItemRead)
    async def retrieve_item(item_id: ItemId, session: ReadSessionDep) -> Any:
        if item_id > BIGINT_MAX:
            raise _not_found()
        result = await session.execute(select(items).where(items.c.id == item_id))
        row = result.mappings().one_or_none()
        if row is None:
            raise _not_found()
        return row

    @app.get("/me", response_model=UserRead)
    async def me(credentials: Credentials, session: ReadSessionDep) -> Any:
        user_id = _user_id(credentials, secret)
        query = select(users.c.id, users.c.username, users.c.created_at)
        result = await session.execute(query.where(users.c.id == user_id))
        row = result.mappings().one_or_none()
        if row is None:
            raise _unauthorized()
        return row

    return app


def with_orm() -> FastAPI:
    app, secret = _session_app()

    @app.get(ITEM_ROUTE, response_model=ItemRead)
    async def retrieve_item(item: ItemDep) -> Item:
        return item

    @app.get("/me", response_model=UserRead)
    async def me(credentials: Credentials, session: ReadSessionDep) -> User:
        user = await session.get(User, _user_id(credentials, secret))
        if user is None:
            raise _unauthorized()
        return user

    return app


def _auth_routes(app: FastAPI) -> FastAPI:
    @app.get(ITEM_ROUTE, response_model=ItemRead)
    async def retrieve_item(item: ItemDep) -> Item:
        return item

    @app.get("/me", response_model=UserRead)
    async def me(user: CurrentReader) -> User:
        return user

    return app


def with_auth() -> FastAPI:
    app, _ = _session_app()
    return _auth_routes(app)


def with_problems() -> FastAPI:
    app, _ = _session_app(redirect_slashes=False)
    app.add_middleware(DocsPagePolicy, paths=frozenset({"/docs", "/redoc"}))
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(RequestTargetLimit, max_bytes=MAX_TARGET_BYTES)
    install_problem_handlers(app)
    app.state.api_routes = []  # read by the 405 handler only
    return _auth_routes(app)
