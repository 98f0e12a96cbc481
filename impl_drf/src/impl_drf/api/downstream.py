"""The downstream service of ``GET /items/{id}/enriched``: one pooled client per process.

Two clients with one behaviour, because Django serves the endpoint two ways:

- ``Downstream`` (the DRF view, under WSGI): an ``httpx.Client`` and a bounded
  ``ThreadPoolExecutor`` that makes the N calls of a request at once;
- ``AsyncDownstream`` (Django's async view, under ASGI): an ``httpx.AsyncClient``
  and an ``asyncio.TaskGroup``.

Each turns every way a call can fail into ``BadGateway`` (502) or ``GatewayTimeout``
(504), DRF exceptions that ``problems.py`` renders like every other error. Both are
made once per process (``get_downstream``, ``get_async_downstream``): a client per
request would open a connection per call.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException

from shared_db import Settings


# contract: io.enriched
class DownstreamError(APIException):
    """A downstream call gave no usable answer; ``status_code`` is ours to send."""


# contract: io.enriched
class BadGateway(DownstreamError):
    """Answered with a status other than 200, a body that is not a JSON object, or not at all."""

    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "The downstream service failed."
    default_code = "bad_gateway"


# contract: io.enriched
class GatewayTimeout(DownstreamError):
    """Not answered within ``downstream_timeout_seconds`` (waiting for the pool included)."""

    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    default_detail = "The downstream service did not answer in time."
    default_code = "gateway_timeout"


def part_url(url: httpx.URL, item_id: int, part: int) -> httpx.URL:
    # Added to the configured URL's own query (a benchmark puts ``ms=50`` there).
    # Not ``get(url, params=...)``: since httpx 0.28 that replaces the URL's query.
    return url.copy_merge_params({"item": item_id, "part": part})


def part_body(response: httpx.Response, part: int) -> dict[str, Any]:
    """The JSON object a call answered, as received; ``BadGateway`` for anything else."""
    if response.status_code != httpx.codes.OK:
        raise BadGateway(f"Downstream call {part} answered {response.status_code}.")
    try:
        body = response.json()
    except ValueError:  # not JSON, or not UTF-8
        body = None
    if not isinstance(body, dict):
        raise BadGateway(f"Downstream call {part} did not answer a JSON object.")
    return body


def timed_out(part: int, seconds: float) -> GatewayTimeout:
    return GatewayTimeout(f"Downstream call {part} did not answer within {seconds:g} s.")


def failed(part: int, exc: httpx.TransportError) -> BadGateway:
    return BadGateway(f"Downstream call {part} failed ({type(exc).__name__}).")


def _limits(arena: Settings) -> httpx.Limits:
    # Keep every connection of the pool alive between requests: httpx keeps 20 by
    # default, so under load each call beyond the 20th would open and close its own.
    size = arena.downstream_max_connections
    return httpx.Limits(max_connections=size, max_keepalive_connections=size)


# contract: io.enriched
@dataclass(frozen=True)
class Downstream:
    """The blocking client: each call of a fan-out runs in a thread of ``executor``."""

    client: httpx.Client
    executor: ThreadPoolExecutor
    url: httpx.URL
    timeout_seconds: float

    def fetch_parts(self, item_id: int, fanout: int) -> list[dict[str, Any]]:
        """The JSON objects of calls ``part=0..fanout-1``, in that order, made concurrently.

        httpx's timeout bounds each phase of a call (pool wait, connect, each read) on
        its own, so a call could take several times the setting; the deadline bounds
        the whole fan-out instead. A blocking call already in flight cannot be
        cancelled, so each call is given only the time left to the deadline: one that
        outlives the answer (the first failure answered 502, or the deadline passed)
        ends by itself shortly after, and calls still queued never start.
        """
        deadline = time.monotonic() + self.timeout_seconds
        calls = [
            self.executor.submit(self._fetch_part, item_id, k, deadline) for k in range(fanout)
        ]
        done, pending = wait(calls, timeout=self.timeout_seconds, return_when=FIRST_EXCEPTION)
        for call in pending:
            call.cancel()
        failure = _first_failure(calls, done)
        if failure is not None:
            raise failure
        if pending:
            raise GatewayTimeout(
                f"The downstream service did not answer within {self.timeout_seconds:g} s."
            )
        return [call.result() for call in calls]

    def _fetch_part(self, item_id: int, part: int, deadline: float) -> dict[str, Any]:
        left = deadline - time.monotonic()
        if left <= 0:  # queued behind other calls for the whole budget
            raise timed_out(part, self.timeout_seconds)
        try:
            response = self.client.get(
                part_url(self.url, item_id, part), timeout=httpx.Timeout(left)
            )
        except httpx.TimeoutException as exc:
            raise timed_out(part, self.timeout_seconds) from exc
        except httpx.TransportError as exc:
            raise failed(part, exc) from exc
        return part_body(response, part)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.client.close()


def _first_failure(
    calls: list[Future[dict[str, Any]]], done: set[Future[dict[str, Any]]]
) -> BaseException | None:
    # In part order, so that of several failures the same one is reported each time.
    for call in calls:
        if call in done and (failure := call.exception()) is not None:
            return failure
    return None


# contract: io.enriched
@dataclass(frozen=True)
class AsyncDownstream:
    """The asynchronous client: the calls of a fan-out are tasks of one event loop."""

    client: httpx.AsyncClient
    url: httpx.URL
    timeout_seconds: float

    async def fetch_parts(self, item_id: int, fanout: int) -> list[dict[str, Any]]:
        """As ``Downstream.fetch_parts``, on the event loop.

        A TaskGroup rather than ``gather``: when one call fails, the group cancels the
        others at once, so a failed fan-out gives its connections back instead of
        leaving calls running for nobody. ``asyncio.timeout`` around the group bounds
        the whole fan-out by the setting, and cancels what is still in flight.
        """
        try:
            async with asyncio.timeout(self.timeout_seconds), asyncio.TaskGroup() as group:
                calls = [group.create_task(self._fetch_part(item_id, k)) for k in range(fanout)]
        except TimeoutError as exc:
            raise GatewayTimeout(
                f"The downstream service did not answer within {self.timeout_seconds:g} s."
            ) from exc
        except ExceptionGroup as failures:
            # Usually one failure: the group cancels the other calls when the first fails.
            downstream, other = failures.split(DownstreamError)
            if other is not None or downstream is None:
                raise
            raise _first(downstream) from failures
        return [call.result() for call in calls]

    async def _fetch_part(self, item_id: int, part: int) -> dict[str, Any]:
        try:
            response = await self.client.get(part_url(self.url, item_id, part))
        except httpx.TimeoutException as exc:
            raise timed_out(part, self.timeout_seconds) from exc
        except httpx.TransportError as exc:
            raise failed(part, exc) from exc
        return part_body(response, part)

    async def aclose(self) -> None:
        await self.client.aclose()


def _first(group: BaseExceptionGroup[DownstreamError]) -> DownstreamError:
    found = group.exceptions[0]
    return _first(found) if isinstance(found, BaseExceptionGroup) else found


# contract: io.enriched
def create_downstream(arena: Settings, transport: httpx.BaseTransport | None = None) -> Downstream:
    """A blocking client for the service; the caller closes it. ``transport`` is for tests.

    As many threads as the HTTP pool has connections: a thread more would only wait
    for a connection, a thread fewer would leave one idle while calls queue.
    """
    return Downstream(
        client=httpx.Client(
            limits=_limits(arena),
            timeout=httpx.Timeout(arena.downstream_timeout_seconds),
            transport=transport,
            # The service is the configured URL: no proxy or certificates from the environment.
            trust_env=False,
        ),
        executor=ThreadPoolExecutor(
            max_workers=arena.downstream_max_connections, thread_name_prefix="downstream"
        ),
        url=httpx.URL(arena.downstream_url),
        timeout_seconds=arena.downstream_timeout_seconds,
    )


# contract: io.enriched
def create_async_downstream(
    arena: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncDownstream:
    """An asynchronous client for the service; the caller closes it. ``transport`` is for tests."""
    return AsyncDownstream(
        client=httpx.AsyncClient(
            limits=_limits(arena),
            timeout=httpx.Timeout(arena.downstream_timeout_seconds),
            transport=transport,
            trust_env=False,
        ),
        url=httpx.URL(arena.downstream_url),
        timeout_seconds=arena.downstream_timeout_seconds,
    )


_lock = threading.Lock()
_downstream: Downstream | None = None
_async_downstream: AsyncDownstream | None = None


# contract: io.enriched
def get_downstream() -> Downstream:
    """This process's blocking client, made on first use and closed when the process exits.

    On first use, not at import: gunicorn forks its workers after loading the
    application only with ``--preload``, and a client (its sockets, its threads) must
    not cross a fork. The lock keeps two first requests on two threads from making two.
    """
    global _downstream
    if _downstream is None:  # checked again under the lock: every later call takes none
        with _lock:
            if _downstream is None:
                _downstream = create_downstream(settings.ARENA)
                atexit.register(_downstream.close)
    return _downstream


# contract: io.enriched
def get_async_downstream() -> AsyncDownstream:
    """This process's asynchronous client, made on first use, on the server's event loop.

    An ``AsyncClient`` belongs to the loop it first runs on, and Django has no startup
    hook on the loop (no ASGI lifespan): the first request makes it, and
    ``asgi.application`` closes it when the server shuts down. Made on the loop's one
    thread, so no lock is needed.
    """
    global _async_downstream
    if _async_downstream is None:
        _async_downstream = create_async_downstream(settings.ARENA)
    return _async_downstream


async def close_async_downstream() -> None:
    global _async_downstream
    if _async_downstream is not None:
        await _async_downstream.aclose()
        _async_downstream = None
