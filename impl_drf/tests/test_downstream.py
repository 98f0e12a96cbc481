"""The fan-out clients: what each downstream answer becomes, and each client's lifetime.

Calls go to ``httpx.MockTransport`` handlers (or a refused port on localhost), so
every failure mode is chosen exactly and nothing waits on a real service. The
blocking client (the DRF view's) and the asynchronous one (the async view's) must
answer alike, so most tests run on both.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from impl_drf.api import downstream as module
from impl_drf.api.downstream import (
    BadGateway,
    DownstreamError,
    GatewayTimeout,
    create_async_downstream,
    create_downstream,
)
from shared_db import Settings

URL = "http://downstream.test/work?ms=5"
Handler = Callable[[httpx.Request], httpx.Response]
Fetch = Callable[..., list[dict[str, Any]]]


def _settings(timeout: float = 5.0, url: str = URL) -> Settings:
    return Settings(downstream_url=url, downstream_timeout_seconds=timeout)


def fetch_blocking(
    handler: Handler | None, fanout: int, *, timeout: float = 5.0, url: str = URL
) -> list[dict[str, Any]]:
    transport = None if handler is None else httpx.MockTransport(handler)
    client = create_downstream(_settings(timeout, url), transport=transport)
    try:
        return client.fetch_parts(7, fanout)
    finally:
        client.close()


def fetch_async(
    handler: Handler | None, fanout: int, *, timeout: float = 5.0, url: str = URL
) -> list[dict[str, Any]]:
    # The same handler, its blocking waits moved off the event loop to threads of
    # their own (not the loop's default executor, which asyncio.run waits for).
    threads = ThreadPoolExecutor(32)

    async def on_loop(request: httpx.Request) -> httpx.Response:
        assert handler is not None
        return await asyncio.get_running_loop().run_in_executor(threads, handler, request)

    transport = None if handler is None else httpx.MockTransport(on_loop)
    client = create_async_downstream(_settings(timeout, url), transport=transport)

    async def run() -> list[dict[str, Any]]:
        try:
            return await client.fetch_parts(7, fanout)
        finally:
            await client.aclose()

    try:
        return asyncio.run(run())
    finally:
        threads.shutdown(wait=False)


both = pytest.mark.parametrize("fetch", [fetch_blocking, fetch_async], ids=["sync", "async"])


def _echo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=dict(request.url.params))


@both
def test_parts_come_back_in_part_order_with_the_urls_own_query(fetch: Fetch) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        # Later parts answer first: the order must still be that of ``part``.
        time.sleep(0.01 * (3 - int(request.url.params["part"])))
        return _echo(request)

    assert fetch(handler, 4) == [{"ms": "5", "item": "7", "part": str(k)} for k in range(4)]


@both
def test_every_call_is_in_flight_before_any_is_answered(fetch: Fetch) -> None:
    fanout = 16
    # Each call waits until all have arrived: made one after another, the first would
    # wait out the barrier's timeout and fail.
    arrived = threading.Barrier(fanout, timeout=5)

    def handler(request: httpx.Request) -> httpx.Response:
        arrived.wait()
        return _echo(request)

    assert len(fetch(handler, fanout)) == fanout


@both
@pytest.mark.parametrize("status", [201, 204, 301, 404, 500, 503])
def test_any_status_but_200_is_a_bad_gateway(fetch: Fetch, status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"part": request.url.params["part"]})

    with pytest.raises(BadGateway, match=str(status)):
        fetch(handler, 2)


@both
@pytest.mark.parametrize(
    "content",
    [b"<html>not json</html>", b"[1, 2]", b'"text"', b"null", b"", b"\xff\xfe{}"],
    ids=["html", "array", "string", "null", "empty", "not-utf8"],
)
def test_a_body_that_is_not_a_json_object_is_a_bad_gateway(fetch: Fetch, content: bytes) -> None:
    with pytest.raises(BadGateway, match="JSON object"):
        fetch(lambda request: httpx.Response(200, content=content), 1)


@both
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
    fetch: Fetch, error: httpx.TransportError, expected: type[DownstreamError]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(expected) as caught:
        fetch(handler, 3)
    assert type(caught.value) is expected
    assert caught.value.status_code == (504 if expected is GatewayTimeout else 502)


@both
def test_a_call_that_never_answers_is_cut_off_by_the_deadline(fetch: Fetch) -> None:
    # MockTransport applies none of httpx's timeouts: only the deadline can end this.
    released = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        released.wait(10)
        return _echo(request)

    started = time.monotonic()
    try:
        with pytest.raises(GatewayTimeout, match=r"0\.2 s"):
            fetch(handler, 4, timeout=0.2)
        # A bound, not a speed figure: the answer does not wait for the hung calls.
        assert time.monotonic() - started < 5
    finally:
        released.set()


def test_the_blocking_client_gives_each_call_only_the_time_left() -> None:
    # A blocking call cannot be cancelled: its own timeout must end it near the deadline.
    given: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        given.append(request.extensions["timeout"]["read"])
        return _echo(request)

    fetch_blocking(handler, 2, timeout=0.5)
    assert len(given) == 2
    assert all(0 < seconds <= 0.5 for seconds in given)


def test_calls_still_queued_at_the_deadline_never_start() -> None:
    calls: list[str] = []
    released = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.params["part"])
        released.wait(10)
        return _echo(request)

    arena = Settings(
        downstream_url=URL, downstream_timeout_seconds=0.2, downstream_max_connections=2
    )
    client = create_downstream(arena, transport=httpx.MockTransport(handler))
    try:
        with pytest.raises(GatewayTimeout):
            client.fetch_parts(7, 6)
        released.set()
        client.executor.shutdown(wait=True)
        assert sorted(calls) == ["0", "1"]  # two threads; the other four were cancelled
    finally:
        released.set()
        client.close()


def test_one_failed_call_cancels_the_others_on_the_event_loop() -> None:
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

    client = create_async_downstream(_settings(timeout=30), transport=httpx.MockTransport(handler))

    async def run() -> None:
        async with client.client:
            await client.fetch_parts(7, 4)

    # A deadline far away: the 502 must come from the failure, not from waiting.
    with pytest.raises(BadGateway, match="503"):
        asyncio.run(run())
    assert sorted(cancelled) == ["1", "2", "3"]


def test_one_failed_call_answers_at_once_on_threads() -> None:
    released = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["part"] == "0":
            return httpx.Response(503)
        released.wait(10)
        return _echo(request)

    started = time.monotonic()
    try:
        with pytest.raises(BadGateway, match="503"):
            fetch_blocking(handler, 4, timeout=30)
        assert time.monotonic() - started < 5  # not after the others' wait
    finally:
        released.set()


@both
def test_a_refused_connection_on_localhost_is_a_bad_gateway(fetch: Fetch) -> None:
    # Port 1 refuses at once; the real transport, with the real pool and limits.
    with pytest.raises(BadGateway, match="ConnectError"):
        fetch(None, 2, url="http://127.0.0.1:1/work")


def test_the_pools_are_sized_by_the_settings_and_keep_every_connection_alive() -> None:
    arena = Settings(downstream_max_connections=7, downstream_timeout_seconds=1.5)
    blocking = create_downstream(arena)
    asynchronous = create_async_downstream(arena)
    clients: list[httpx.Client | httpx.AsyncClient] = [blocking.client, asynchronous.client]
    for client in clients:
        pool = client._transport._pool  # type: ignore[union-attr]
        assert (pool._max_connections, pool._max_keepalive_connections) == (7, 7)
        assert client.timeout == httpx.Timeout(1.5)
    assert blocking.executor._max_workers == 7
    assert str(blocking.url) == str(asynchronous.url) == arena.downstream_url
    blocking.close()
    asyncio.run(asynchronous.aclose())


@pytest.fixture
def no_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a process that has not served the fan-out yet."""
    monkeypatch.setattr(module, "_downstream", None)
    monkeypatch.setattr(module, "_async_downstream", None)


@pytest.mark.usefixtures("no_clients")
def test_one_blocking_client_per_process_closed_at_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    at_exit: list[Callable[[], None]] = []
    monkeypatch.setattr("atexit.register", at_exit.append)
    with ThreadPoolExecutor(8) as pool:
        made = set(pool.map(lambda _: id(module.get_downstream()), range(8)))

    assert len(made) == 1
    client = module.get_downstream()
    assert at_exit == [client.close]
    client.close()
    assert client.client.is_closed


@pytest.mark.usefixtures("no_clients")
def test_one_async_client_per_process_closed_at_shutdown() -> None:
    async def run() -> module.AsyncDownstream:
        client = module.get_async_downstream()
        assert module.get_async_downstream() is client
        await module.close_async_downstream()
        return client

    client = asyncio.run(run())
    assert client.client.is_closed
    assert module._async_downstream is None
