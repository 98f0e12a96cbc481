"""Calibration, not the contract: a WSGI app that only waits ``SLEEP_MS`` and answers.

Under gunicorn's gthread workers a waiting request holds a thread; under gevent workers
``time.sleep`` is patched and holds a greenlet: what each server model alone can carry.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

DELAY_S = float(os.environ.get("SLEEP_MS", "0")) / 1000
BODY = b'{"status":"ok"}'


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") != "/health":
        time.sleep(DELAY_S)
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]
    )
    return [BODY]
