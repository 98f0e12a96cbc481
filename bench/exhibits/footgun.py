"""Exhibit, not the contract: the async footgun (a blocking call inside ``async def``).

Three slow endpoints that each take 50 ms, and one fast endpoint. ``arena bench``
loads one slow endpoint and measures the fast one's latency at the same time,
in one uvicorn worker:

- ``/slow/blocking``: ``time.sleep`` inside ``async def`` stalls the event loop,
  so every other request waits behind it (the mistake the seed article warns of,
  and makes itself: its FastAPI snippet runs a blocking SQLAlchemy Session inside
  ``async def``).
- ``/slow/threadpool``: the same blocking call in a plain ``def``, which FastAPI
  runs in its thread pool.
- ``/slow/async``: ``await asyncio.sleep``, the non-blocking equivalent.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import FastAPI

DELAY_SECONDS = 0.05


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/fast")
    async def fast() -> dict[str, str]:
        return {"fast": "yes"}

    @app.get("/slow/blocking")
    async def slow_blocking() -> dict[str, str]:
        time.sleep(DELAY_SECONDS)  # the footgun: the event loop stops here
        return {"slow": "blocking"}

    @app.get("/slow/threadpool")
    def slow_threadpool() -> dict[str, str]:
        time.sleep(DELAY_SECONDS)
        return {"slow": "threadpool"}

    @app.get("/slow/async")
    async def slow_async() -> dict[str, str]:
        await asyncio.sleep(DELAY_SECONDS)
        return {"slow": "async"}

    return app
