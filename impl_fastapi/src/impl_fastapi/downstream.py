"""The downstream service of ``GET /items/{id}/enriched``: one pooled client per process.

``create_downstream`` is called by the lifespan, so every request of a worker shares
one ``httpx.AsyncClient`` (its connection pool, keep-alive connections and timeouts);
a client per request would open a connection per call. ``Downstream.fetch_parts``
makes the N calls of one request concurrently and turns each way a call can fail into
``BadGateway`` or ``GatewayTimeout``, which ``problems.py`` answers as 502 and 504.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

from shared_db import Settings


class DownstreamError(Exception):
    """A downstream call did not give a usable answer; ``status_code`` is ours to send."""

    status_code = 502


class BadGateway(DownstreamError):
    """Answered with a status other than 200, a body that is not a JSON object, or not at all."""


class GatewayTimeout(DownstreamError):
    """Not answered within ``downstream_timeout_seconds`` (waiting for the pool included)."""

    status_code = 504


# contract: settings/app
@dataclass(frozen=True)
class Downstream:
    client: httpx.AsyncClient
    url: httpx.URL
    timeout_seconds: float

    async def fetch_parts(self, item_id: int, fanout: int) -> list[dict[str, Any]]:
        """The JSON objects of calls ``part=0..fanout-1``, in that order, made concurrently.

        A TaskGroup rather than ``gather``: when one call fails, the group cancels the
        others at once, so a failed fan-out gives its pooled connections back instead of
        leaving calls running for nobody until they time out.

        httpx's timeouts bound each phase of a call (pool wait, connect, each read) on
        its own, so a call could take several times the setting; the deadline around the
        group bounds the whole fan-out, and so every call, by the setting itself.
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
            # Several may land together (every call timing out at once); any one will do.
            downstream, other = failures.split(DownstreamError)
            if other is not None or downstream is None:
                raise
            raise _first(downstream) from failures
        return [call.result() for call in calls]

    async def _fetch_part(self, item_id: int, part: int) -> dict[str, Any]:
        # Added to the configured URL's own query (a benchmark puts ``ms=50`` there).
        # Not ``get(url, params=...)``: since httpx 0.28 that replaces the URL's query.
        url = self.url.copy_merge_params({"item": item_id, "part": part})
        try:
            response = await self.client.get(url)
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


def _first(group: BaseExceptionGroup[DownstreamError]) -> DownstreamError:
    found = group.exceptions[0]
    return _first(found) if isinstance(found, BaseExceptionGroup) else found


# contract: settings/app
def create_downstream(
    settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> Downstream:
    """The process's client for the downstream service; the caller closes ``client``.

    The pool holds at most ``downstream_max_connections`` connections, and keeps all of
    them alive between requests: httpx keeps 20 by default, so under load every call
    beyond the 20th would open and close a connection of its own. ``transport`` is for
    tests.
    """
    size = settings.downstream_max_connections
    client = httpx.AsyncClient(
        limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
        timeout=httpx.Timeout(settings.downstream_timeout_seconds),
        transport=transport,
        # The service is the configured URL: no proxy or certificates from the environment.
        trust_env=False,
    )
    return Downstream(
        client=client,
        url=httpx.URL(settings.downstream_url),
        timeout_seconds=settings.downstream_timeout_seconds,
    )
