"""Calibration, not the contract: an ASGI app that only waits ``SLEEP_MS`` and answers.

Served by uvicorn or granian, it shows what the server model alone can carry at a given
latency; if it cannot reach the Little's-law ceiling (connections / latency), no
implementation on that server can, and the harness or the machine is the limit.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

DELAY_S = float(os.environ.get("SLEEP_MS", "0")) / 1000
BODY = b'{"status":"ok"}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["path"] != "/health":
        await asyncio.sleep(DELAY_S)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
