"""The fan-out client: what each downstream answer becomes, and the client's lifetime.

Calls go to ``httpx.MockTransport`` handlers (or a refused port on localhost), so
every failure mode is chosen exactly and nothing waits on a real service.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from impl_fastapi.app import create_app
from impl_fastapi.downstream import (
    BadGateway,
    Downstream,
    DownstreamError,
    GatewayTimeout,
    create_downstream,
)
from shared_db import Settings

Handler = Callable[[httpx.Request], Coroutine[Any, Any, httpx.Response]]
URL = "http://downstream.test/work?ms=5"


def _downstream(handler: Handler, timeout: float = 5.0, url: str = URL) -> Downstream:
    settings = Settings(downstream_url=url, downstream_timeout_seconds=timeout)
    return create_downstream(settings, transport=httpx.MockTransport(handler))


def _fetch(downstream: Downstream, fanout: int, item_id: int = 7) -> list[dict[str, object]]:
    async def run() -> list[dict[str, object]]:
        async with downstream.client:
            return await downstream.fetch_parts(item_id, fanout)

    return asyncio.run(run())


async def _echo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=dict(request.url.params))


def test_parts_come_back_in_part_order_with_the_urls_own_query() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        # Later parts answer first: the order must still be that of ``part``.
        await asyncio.sleep(0.01 * (3 - int(request.url.params["part"])))
        return await _echo(request)

    parts = _fetch(_downstream(handler), 4)
    assert parts == [{"ms": "5", "item": "7", "part": str(k)} for k in range(4)]


def test_every_call_is_in_flight_before_any_is_answered() -> None:
    fanout = 16
    # Each call waits until all have arrived: made one after another, the first would
    # wait forever and the deadline would turn the fan-out into a 504.
    arrived = asyncio.Barrier(fanout)

    async def handler(request: httpx.Request) -> httpx.Response:
        await arrived.wait()
        return await _echo(request)

    assert len(_fetch(_downstream(handler), fanout)) == fanout


@pytest.mark.parametrize("status", [201, 204, 301, 404, 500, 503])
def test_any_status_but_200_is_a_bad_gateway(status: int) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"part": request.url.params["part"]})

    with pytest.raises(BadGateway, match=str(status)):
        _fetch(_downstream(handler), 2)


@pytest.mark.parametrize(
    "content",
    [b"<html>not json</html>", b"[1, 2]", b'"text"', b"null", b"", b"\xff\xfe{}"],
    ids=["html", "array", "string", "null", "empty", "not-utf8"],
)
def test_a_body_that_is_not_a_json_object_is_a_bad_gateway(content: bytes) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content)

    with pytest.raises(BadGateway, match="JSON object"):
        _fetch(_downstream(handler), 1)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ConnectError("refused"), BadGateway),
        (httpx.RemoteProtocolError("closed without an answer"), BadGateway),
        (httpx.ReadError("reset"), BadGateway),
        (httpx.ConnectTimeout("connect"), GatewayTimeout),
        (httpx.ReadTimeout("read"), GatewayTimeout),
        (httpx.PoolTimeout("no free connection"), GatewayTimeout),
    ],
)
def test_transport_errors_map_to_502_and_timeouts_to_504(
    error: httpx.TransportError, expected: type[DownstreamError]
) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(expected) as caught:
        _fetch(_downstream(handler), 3)
    assert type(caught.value) is expected
    assert caught.value.status_code == (504 if expected is GatewayTimeout else 502)


def test_a_call_that_never_answers_is_cut_off_by_the_deadline() -> None:
    # MockTransport applies none of httpx's timeouts: only the deadline can end this.
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    with pytest.raises(GatewayTimeout, match=r"0\.2 s"):
        _fetch(_downstream(handler, timeout=0.2), 4)


def test_one_failed_call_cancels_the_others() -> None:
    cancelled: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        part = request.url.params["part"]
        if part == "0":
            await asyncio.sleep(0.01)
            return httpx.Response(503)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(part)
            raise
        raise AssertionError("unreachable")

    # A deadline far away: the 502 must come from the failure, not from waiting.
    with pytest.raises(BadGateway, match="503"):
        _fetch(_downstream(handler, timeout=30), 4)
    assert sorted(cancelled) == ["1", "2", "3"]


def test_a_refused_connection_on_localhost_is_a_bad_gateway() -> None:
    # Port 1 refuses at once; the real transport, with the real pool and limits.
    settings = Settings(downstream_url="http://127.0.0.1:1/work")
    with pytest.raises(BadGateway, match="ConnectError"):
        _fetch(create_downstream(settings), 2)


def test_the_pool_is_sized_by_the_settings_and_keeps_every_connection_alive() -> None:
    settings = Settings(downstream_max_connections=7, downstream_timeout_seconds=1.5)
    downstream = create_downstream(settings)
    pool = downstream.client._transport._pool  # type: ignore[attr-defined]
    assert (pool._max_connections, pool._max_keepalive_connections) == (7, 7)
    assert downstream.client.timeout == httpx.Timeout(1.5)
    assert str(downstream.url) == settings.downstream_url
    asyncio.run(downstream.client.aclose())


def test_one_client_per_app_lifetime_closed_on_shutdown(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        downstream = client.app_state["downstream"]
        assert isinstance(downstream, Downstream)
        assert not downstream.client.is_closed
    assert downstream.client.is_closed
