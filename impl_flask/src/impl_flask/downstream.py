"""The downstream service of ``GET /items/{id}/enriched``: one client and one pool per process.

``init_app`` builds, once per worker process (the factory runs after the fork), an
``httpx.Client`` (its connection pool, keep-alive connections and timeouts) and a
bounded ``ThreadPoolExecutor`` that makes a request's N calls at the same time;
``Downstream.fetch_parts`` turns each way a call can fail into werkzeug's
``BadGateway`` (502) or ``GatewayTimeout`` (504), which ``problems.py`` answers as
problem+json like every other HTTP error.

The code is the same on every server model. Under gunicorn's gevent worker,
``threading`` and ``socket`` are monkey-patched before the factory runs, so the
executor's "threads" are greenlets and httpx's blocking reads yield to the hub:
the same bounds, without OS threads.
"""

from __future__ import annotations

import threading
import weakref
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import httpx
from flask import Flask, current_app
from werkzeug.exceptions import BadGateway, GatewayTimeout

from shared_db import Settings

EXTENSION_KEY = "impl_flask.downstream"


class _Abandoned(Exception):
    """A call not sent: its fan-out had already failed or run out of time."""


# contract: io.enriched
@dataclass(frozen=True)
class Downstream:
    client: httpx.Client
    executor: ThreadPoolExecutor
    url: httpx.URL
    timeout_seconds: float

    def fetch_parts(self, item_id: int, fanout: int) -> list[dict[str, Any]]:
        """The JSON objects of calls ``part=0..fanout-1``, in that order, made concurrently.

        httpx's timeouts bound each phase of one call (pool wait, connect, each read)
        on its own, so a call could take several times the setting, and a call queued
        in the executor has not started any of them: the one deadline here, from
        submission, bounds the whole fan-out by the setting itself.

        After the first failure (or the deadline) no further call of the fan-out is
        sent: the queued ones are cancelled, and one that a thread picks up meanwhile
        sees ``abandoned`` and returns at once. A call already in flight cannot be
        interrupted from another thread; it ends within httpx's own timeouts, its
        answer ignored, and its connection goes back to the pool then.
        """
        abandoned = threading.Event()
        calls = [self.executor.submit(self._call, item_id, k, abandoned) for k in range(fanout)]
        done, pending = wait(calls, timeout=self.timeout_seconds, return_when=FIRST_EXCEPTION)
        abandoned.set()
        for call in pending:
            call.cancel()
        # Several may have failed together; the lowest part's failure is the answer.
        for call in calls:
            error = call.exception() if call in done else None
            if error is not None and not isinstance(error, _Abandoned):
                raise error
        if pending:
            raise GatewayTimeout(
                f"The downstream service did not answer within {self.timeout_seconds:g} s."
            )
        return [call.result() for call in calls]

    def _call(self, item_id: int, part: int, abandoned: threading.Event) -> dict[str, Any]:
        if abandoned.is_set():
            raise _Abandoned
        try:
            return self._fetch_part(item_id, part)
        except Exception:
            # Set here, in the thread that failed, before it takes the next call off
            # the queue (the request's thread may not have woken up to cancel it yet).
            abandoned.set()
            raise

    def _fetch_part(self, item_id: int, part: int) -> dict[str, Any]:
        # Added to the configured URL's own query (a benchmark puts ``ms=50`` there).
        # Not ``get(url, params=...)``: since httpx 0.28 that replaces the URL's query.
        url = self.url.copy_merge_params({"item": item_id, "part": part})
        try:
            response = self.client.get(url)
        except httpx.TimeoutException as exc:
            raise GatewayTimeout(
                f"Downstream call {part} did not answer within {self.timeout_seconds:g} s."
            ) from exc
        except httpx.TransportError as exc:
            raise BadGateway(f"Downstream call {part} failed ({type(exc).__name__}).") from exc
        if response.status_code != httpx.codes.OK:
            raise BadGateway(f"Downstream call {part} answered {response.status_code}.")
        try:
            body = response.json()
        except ValueError:  # not JSON, or not UTF-8
            body = None
        if not isinstance(body, dict):
            raise BadGateway(f"Downstream call {part} did not answer a JSON object.")
        return body

    def close(self) -> None:
        # Queued calls are dropped; calls in flight end within httpx's timeouts.
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.client.close()


# contract: io.enriched
def create_downstream(
    settings: Settings, transport: httpx.BaseTransport | None = None
) -> Downstream:
    """The process's client and executor for the downstream service.

    One size for both, ``downstream_max_connections``: every call in flight holds one
    pooled connection for its whole duration, so a thread beyond the pool's size could
    only wait for a connection (and time out at the pool), and a pool larger than the
    executor would keep connections no call can use. Calls beyond it wait in the
    executor's queue, within the fan-out's deadline. The pool keeps every connection
    alive between requests: httpx keeps 20 by default, so under load every call beyond
    the 20th would open and close a connection of its own. ``transport`` is for tests.
    """
    size = settings.downstream_max_connections
    client = httpx.Client(
        limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
        timeout=httpx.Timeout(settings.downstream_timeout_seconds),
        transport=transport,
        # The service is the configured URL: no proxy or certificates from the environment.
        trust_env=False,
    )
    return Downstream(
        client=client,
        executor=ThreadPoolExecutor(max_workers=size, thread_name_prefix="downstream"),
        url=httpx.URL(settings.downstream_url),
        timeout_seconds=settings.downstream_timeout_seconds,
    )


# contract: io.enriched
def init_app(app: Flask, settings: Settings) -> None:
    downstream = create_downstream(settings)
    app.extensions[EXTENSION_KEY] = downstream
    # Flask has no shutdown hook: close when the app is collected, or at the latest
    # when the worker process exits (``finalize`` also runs at interpreter exit).
    weakref.finalize(app, downstream.close)


# contract: io.enriched
def get_downstream() -> Downstream:
    downstream: Downstream = current_app.extensions[EXTENSION_KEY]
    return downstream
