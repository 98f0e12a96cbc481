"""The application factory: ``uvicorn --factory impl_fastapi.app:create_app``.

Nothing is built at import time. The engine and the downstream service's HTTP
client are made in the lifespan (opening no connection, so the server starts even
when the database or the service is down) and closed on shutdown.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypedDict

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from impl_fastapi.db import create_engine, create_read_sessionmaker, create_sessionmaker
from impl_fastapi.docs_pages import DocsPagePolicy
from impl_fastapi.downstream import Downstream, create_downstream
from impl_fastapi.middleware import BodySizeLimit, RequestTargetLimit
from impl_fastapi.problems import add_problem_schemas, install_problem_handlers
from impl_fastapi.routes import auth, health, items, users
from shared_db import Settings

MAX_BODY_BYTES = 64 * 1024
MAX_TARGET_BYTES = 8 * 1024


class State(TypedDict):
    """Per-process state handed to every request as ``request.state``."""

    sessionmaker: async_sessionmaker[AsyncSession]
    read_sessionmaker: async_sessionmaker[AsyncSession]
    downstream: Downstream


# contract: settings/app
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    engine = create_engine(app.state.settings)
    # One pooled client per worker process, shared by every request (level io).
    downstream = create_downstream(app.state.settings)
    state: State = {
        "sessionmaker": create_sessionmaker(engine),
        "read_sessionmaker": create_read_sessionmaker(engine),
        "downstream": downstream,
    }
    # Start-up is done: what is alive now (modules, the app, its routes and models, the
    # engine, the HTTP client) lives as long as the process. Frozen, it is left out of
    # every later collection; otherwise each full (gen2) collection re-scans all of it
    # and pauses the event loop, every request in flight with it, for tens of
    # milliseconds.
    gc.collect()
    gc.freeze()
    try:
        yield state
    finally:
        await downstream.client.aclose()
        await engine.dispose()


DOCS_URL = "/docs"
REDOC_URL = "/redoc"


# contract: settings/app
def create_app(settings: Settings | None = None) -> FastAPI:
    # FastAPI's docs pages load Swagger UI and ReDoc from a CDN, so they are blank
    # offline. FastAPIOffline is FastAPI's self-hosting recipe, packaged: the same
    # get_swagger_ui_html/get_redoc_html pages, with the assets (Swagger UI 5, which
    # renders OpenAPI 3.1) served from the package by a StaticFiles mount.
    app = FastAPIOffline(
        title="Framework Arena API (FastAPI)",
        version="1.0.0",
        summary="Users, tokens and items: the shared contract, served by FastAPI.",
        lifespan=lifespan,
        # The contract treats /items/ as an unknown path, never a redirect.
        redirect_slashes=False,
        docs_url=DOCS_URL,
        redoc_url=REDOC_URL,
    )
    app.add_middleware(DocsPagePolicy, paths=frozenset({DOCS_URL, REDOC_URL}))
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(RequestTargetLimit, max_bytes=MAX_TARGET_BYTES)
    app.state.settings = settings if settings is not None else Settings()
    install_problem_handlers(app)
    routers = [health.router, auth.router, users.router, items.router]
    for router in routers:
        app.include_router(router)
    app.state.api_routes = [
        route for router in routers for route in router.routes if isinstance(route, APIRoute)
    ]

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_problem_schemas(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
