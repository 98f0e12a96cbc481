"""Exercise 4: a small FastAPI app with the async footgun in it. Fix it here.

``/report`` calls ``count_orders``, which stands in for a query through a
synchronous driver (``psycopg.connect``, ``requests.get``, a blocking SDK): 50 ms
spent waiting. ``/fast`` does nothing at all. Run it with one worker,

    uv run uvicorn --factory --app-dir docs/workshop footgun_app:create_app --port 18201

put ``/report`` under load and watch what happens to ``/fast``. Then fix
``report`` so that ``arena exercise check 4 --measure`` passes. Keep both routes
and keep ``count_orders`` as it is: the driver is not yours to change.
"""

from __future__ import annotations

import time

from fastapi import FastAPI

QUERY_SECONDS = 0.05


def count_orders() -> int:
    """A blocking call: the thread that makes it waits, and can do nothing else."""
    time.sleep(QUERY_SECONDS)
    return 42


def create_app() -> FastAPI:
    app = FastAPI(title="Workshop: the async footgun")

    @app.get("/fast")
    async def fast() -> dict[str, str]:
        return {"fast": "yes"}

    @app.get("/report")
    async def report() -> dict[str, int]:
        return {"orders": count_orders()}

    return app
