"""The simulator, served for real in a child process, over HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def service() -> Iterator[httpx.Client]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "downstream", "--port", str(port)])
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    try:
        for _ in range(100):
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("the simulator did not start")
        yield client
    finally:
        client.close()
        process.terminate()
        process.wait(10)


def test_work_answers_json_with_the_padding_asked_for(service: httpx.Client) -> None:
    answer = service.get("/work", params={"ms": 1, "bytes": 10, "item": "a", "part": 3})
    assert answer.status_code == 200
    assert answer.json() == {"item": "a", "part": "3", "ms": 1.0, "pad": "x" * 10}


def test_fail_one_is_always_a_503_problem(service: httpx.Client) -> None:
    answer = service.get("/work", params={"fail": 1})
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_bad_parameters_are_400(service: httpx.Client) -> None:
    assert service.get("/work", params={"ms": -1}).status_code == 400
    assert service.get("/work", params={"fail": "often"}).status_code == 400
    assert service.put("/behaviour/x", json={"ms": 1, "unknown": 2}).status_code == 400


def test_stats_count_calls_in_flight_at_once(service: httpx.Client) -> None:
    assert service.put("/behaviour/together", json={"ms": 300}).status_code == 200
    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(lambda k: service.get("/work?item=together&part=" + str(k)), range(4))
        )
    assert [a.status_code for a in answers] == [200] * 4
    assert service.get("/stats/together").json() == {"calls": 4, "in_flight": 0, "max_in_flight": 4}
    for k in range(2):
        service.get("/work", params={"item": "apart", "part": k})
    assert service.get("/stats/apart").json()["max_in_flight"] == 1


def test_each_failure_mode_per_item(service: httpx.Client) -> None:
    service.put("/behaviour/gone", json={"drop": True})
    with pytest.raises(httpx.TransportError):
        service.get("/work", params={"item": "gone"})
    service.put("/behaviour/html", json={"not_json": True})
    assert (
        service.get("/work", params={"item": "html"})
        .headers["content-type"]
        .startswith("text/html")
    )
    service.put("/behaviour/bad", json={"status": 500})
    assert service.get("/work", params={"item": "bad"}).status_code == 500
    service.put("/behaviour/stuck", json={"hang": True})
    with pytest.raises(httpx.ReadTimeout):
        service.get("/work", params={"item": "stuck"}, timeout=0.5)
    # The abandoned call is no longer in flight once the client has gone.
    time.sleep(0.2)
    assert service.get("/stats/stuck").json()["in_flight"] == 0


def test_gather_releases_the_calls_together_once_all_are_in(service: httpx.Client) -> None:
    assert service.put("/behaviour/herd", json={"gather": 3}).status_code == 200
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda k: service.get(f"/work?item=herd&part={k}"), range(3)))
    assert [a.status_code for a in answers] == [200] * 3
    assert service.get("/stats/herd").json()["max_in_flight"] == 3
    # One at a time never gathers: each waits out the bound, answers, and says so.
    service.put("/behaviour/alone", json={"gather": 2})
    assert service.get("/work", params={"item": "alone"}).status_code == 200
    assert service.get("/stats/alone").json()["max_in_flight"] == 1
    assert service.put("/behaviour/x", json={"gather": True}).status_code == 400
