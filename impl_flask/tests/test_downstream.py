"""The fan-out client: what each downstream answer becomes, and the client's lifetime.

Calls go to ``httpx.MockTransport`` handlers (or a refused port on localhost), so
every failure mode is chosen exactly and nothing waits on a real service. Handlers
run in the executor's threads; the ones that hold a call wait on an event the test
sets before it ends, so no thread outlives its test.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
from flask import Flask
from werkzeug.exceptions import BadGateway, GatewayTimeout, HTTPException

from impl_flask.app import create_app
from impl_flask.downstream import EXTENSION_KEY, Downstream, create_downstream
from shared_db import Settings

Handler = Callable[[httpx.Request], httpx.Response]
URL = "http://downstream.test/work?ms=5"
# Long enough never to end a test that works; short enough that one that hangs fails.
HOLD_SECONDS = 10.0


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at the end of each test: every handler still holding a call lets go."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def make_downstream() -> Iterator[Callable[..., Downstream]]:
    made: list[Downstream] = []

    def make(
        handler: Handler, timeout: float = 5.0, url: str = URL, connections: int = 100
    ) -> Downstream:
        settings = Settings(
            downstream_url=url,
            downstream_timeout_seconds=timeout,
            downstream_max_connections=connections,
        )
        made.append(create_downstream(settings, transport=httpx.MockTransport(handler)))
        return made[-1]

    yield make
    for downstream in made:
        downstream.close()


def _echo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=dict(request.url.params))


def test_parts_come_back_in_part_order_with_the_urls_own_query(
    make_downstream: Callable[..., Downstream],
) -> None:
    answered: list[str] = []
    # Each part waits for the one after it: they answer last to first.
    turns = [threading.Event() for _ in range(5)]
    turns[4].set()

    def handler(request: httpx.Request) -> httpx.Response:
        part = int(request.url.params["part"])
        assert turns[part + 1].wait(HOLD_SECONDS)
        answered.append(str(part))
        turns[part].set()
        return _echo(request)

    parts = make_downstream(handler).fetch_parts(7, 4)
    assert answered == ["3", "2", "1", "0"]
    assert parts == [{"ms": "5", "item": "7", "part": str(k)} for k in range(4)]


def test_every_call_is_in_flight_before_any_is_answered(
    make_downstream: Callable[..., Downstream],
) -> None:
    fanout = 16
    # Each call waits until all have arrived: made one after another, the first would
    # wait in vain and break the barrier.
    arrived = threading.Barrier(fanout, timeout=HOLD_SECONDS)

    def handler(request: httpx.Request) -> httpx.Response:
        arrived.wait()
        return _echo(request)

    assert len(make_downstream(handler).fetch_parts(1, fanout)) == fanout


@pytest.mark.parametrize("status", [201, 204, 301, 404, 500, 503])
def test_any_status_but_200_is_a_bad_gateway(
    make_downstream: Callable[..., Downstream], status: int
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"part": request.url.params["part"]})

    with pytest.raises(BadGateway, match=str(status)):
        make_downstream(handler).fetch_parts(1, 2)


@pytest.mark.parametrize(
    "content",
    [b"<html>not json</html>", b"[1, 2]", b'"text"', b"null", b"", b"\xff\xfe{}"],
    ids=["html", "array", "string", "null", "empty", "not-utf8"],
)
def test_a_body_that_is_not_a_json_object_is_a_bad_gateway(
    make_downstream: Callable[..., Downstream], content: bytes
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content)

    with pytest.raises(BadGateway, match="JSON object"):
        make_downstream(handler).fetch_parts(1, 1)


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
    make_downstream: Callable[..., Downstream],
    error: httpx.TransportError,
    expected: type[HTTPException],
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(expected) as caught:
        make_downstream(handler).fetch_parts(1, 3)
    assert type(caught.value) is expected
    assert caught.value.code == (504 if expected is GatewayTimeout else 502)


def test_a_call_that_never_answers_is_cut_off_by_the_deadline(
    make_downstream: Callable[..., Downstream], release: threading.Event
) -> None:
    # MockTransport applies none of httpx's timeouts: only the deadline can end this.
    def handler(request: httpx.Request) -> httpx.Response:
        release.wait(HOLD_SECONDS)
        return _echo(request)

    with pytest.raises(GatewayTimeout, match=r"0\.2 s"):
        make_downstream(handler, timeout=0.2).fetch_parts(1, 4)


def test_after_a_failed_call_no_other_call_is_sent(
    make_downstream: Callable[..., Downstream], release: threading.Event
) -> None:
    sent: list[str] = []
    second_sent = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        part = request.url.params["part"]
        sent.append(part)
        if part == "0":
            assert second_sent.wait(HOLD_SECONDS)
            return httpx.Response(503)
        second_sent.set()
        release.wait(HOLD_SECONDS)
        return _echo(request)

    # Two threads: parts 0 and 1 are sent, 2 and 3 wait for a thread, which part 0's
    # frees at once. A deadline far away: the 502 comes from the failure.
    downstream = make_downstream(handler, timeout=30, connections=2)
    with pytest.raises(BadGateway, match="503"):
        downstream.fetch_parts(1, 4)
    release.set()
    downstream.executor.shutdown(wait=True)
    assert sorted(sent) == ["0", "1"]


def test_after_the_deadline_no_other_call_is_sent(
    make_downstream: Callable[..., Downstream], release: threading.Event
) -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.params["part"])
        release.wait(HOLD_SECONDS)
        return _echo(request)

    downstream = make_downstream(handler, timeout=0.2, connections=2)
    with pytest.raises(GatewayTimeout):
        downstream.fetch_parts(1, 4)
    release.set()
    downstream.executor.shutdown(wait=True)
    assert sorted(sent) == ["0", "1"]


def test_a_refused_connection_on_localhost_is_a_bad_gateway() -> None:
    # Port 1 refuses at once; the real transport, with the real pool and limits.
    downstream = create_downstream(Settings(downstream_url="http://127.0.0.1:1/work"))
    try:
        with pytest.raises(BadGateway, match="ConnectError"):
            downstream.fetch_parts(1, 2)
    finally:
        downstream.close()


def test_the_pool_and_the_executor_are_sized_by_the_settings() -> None:
    settings = Settings(downstream_max_connections=7, downstream_timeout_seconds=1.5)
    downstream = create_downstream(settings)
    pool = downstream.client._transport._pool  # type: ignore[attr-defined]
    # Every connection kept alive, not httpx's default of 20.
    assert (pool._max_connections, pool._max_keepalive_connections) == (7, 7)
    assert downstream.executor._max_workers == 7
    assert downstream.client.timeout == httpx.Timeout(1.5)
    assert str(downstream.url) == settings.downstream_url
    downstream.close()


def test_one_client_per_app_closed_with_it(settings: Settings) -> None:
    app: Flask | None = create_app(settings)
    assert app is not None
    downstream = app.extensions[EXTENSION_KEY]
    assert isinstance(downstream, Downstream)
    assert not downstream.client.is_closed
    # The factory froze the heap; a server's app lives as long as its process (the
    # finaliser then runs at exit), a test's goes now.
    gc.unfreeze()
    app = None
    gc.collect()
    assert downstream.client.is_closed
    with pytest.raises(RuntimeError):
        downstream.executor.submit(print)
