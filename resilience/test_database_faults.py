"""The database goes away while a server runs, and comes back; the pool runs dry.

Each test has its own embedded PostgreSQL, so stopping it disturbs nothing else.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg

from contract_tests.support import expect_problem

# While the database is down every answer is a 503 problem within this time
# (the servers' connect and pool timeouts are about 3 s).
DOWN_ANSWER_SECONDS = 8.0
# After the database is back, each implementation serves again by itself, with no
# restart, within this time.
RECOVERY_SECONDS = 45.0
# Pool exhaustion: more concurrent requests than connections, each held up by a lock.
POOL_SIZE = 2
CONCURRENT = 20
LOCK_SECONDS = 12.0


def _requests(api: Any, item_id: int) -> list[tuple[str, str, dict[str, Any] | None, bool]]:
    """(method, path, body, authenticated) for every kind of database-backed request."""
    return [
        ("GET", "/health", None, False),
        ("GET", "/items", None, False),
        ("GET", f"/items/{item_id}", None, False),
        ("GET", "/me", None, True),
        ("POST", "/items", {"name": "while down", "price_cents": 1}, True),
        ("POST", "/auth/token", {"username": "fault_user", "password": "resilience-pw"}, False),
        ("POST", "/auth/register", {"username": "new_user", "password": "password-1"}, False),
    ]


def _send(api: Any, request: tuple[str, str, dict[str, Any] | None, bool]) -> httpx.Response:
    method, path, body, authenticated = request
    headers = api.headers if authenticated else {}
    return api.client.request(method, path, json=body, headers=headers)


def _serves_everything(api: Any, item_id: int) -> bool:
    for request in _requests(api, item_id)[:-1]:  # register would only say 409
        try:
            if _send(api, request).status_code >= 400:
                return False
        except httpx.TransportError:
            return False
    return True


def test_database_outage_is_503_then_recovers_without_restart(
    impl_name: str,
    database: Any,
    serve: Callable[..., Any],
    register: Callable[[str, str], Any],
    record: Callable[..., None],
) -> None:
    with serve(impl_name, database.url) as base_url:
        api = register(base_url, "fault_user")
        item = api.client.post(
            "/items", json={"name": "kept", "price_cents": 7}, headers=api.headers
        )
        assert item.status_code == 201, item.text
        item_id = item.json()["id"]
        assert _serves_everything(api, item_id)

        database.stop()
        slowest = 0.0
        statuses: Counter[int] = Counter()
        for _ in range(3):
            for request in _requests(api, item_id):
                try:
                    response = _send(api, request)
                except httpx.TimeoutException as exc:
                    raise AssertionError(
                        f"{request[0]} {request[1]} hung with the database down: {exc!r}"
                    ) from exc
                statuses[response.status_code] += 1
                expect_problem(response, 503, "the database is down: a 503 problem, never a 500")
                slowest = max(slowest, response.elapsed.total_seconds())
        assert slowest < DOWN_ANSWER_SECONDS, (
            f"the slowest 503 took {slowest:.1f} s; the limit is {DOWN_ANSWER_SECONDS} s"
        )

        database.start()
        back = time.monotonic()
        while not _serves_everything(api, item_id):
            assert time.monotonic() - back < RECOVERY_SECONDS, (
                f"{impl_name} did not serve again within {RECOVERY_SECONDS} s of the database "
                "coming back (no server restart)"
            )
            time.sleep(0.2)
        recovery = time.monotonic() - back
        # Recovered for good: every process, every pooled connection.
        for _ in range(10):
            assert _serves_everything(api, item_id), "a request failed after recovery"
        kept = api.client.get(f"/items/{item_id}").json()
        assert kept == item.json(), "the item from before the outage is intact"
        record(
            impl_name,
            slowest_503_s=round(slowest, 3),
            down_statuses=dict(statuses),
            recovery_s=round(recovery, 2),
        )


def test_pool_exhaustion_queues_or_fails_cleanly(
    impl_name: str,
    database: Any,
    serve: Callable[..., Any],
    register: Callable[[str, str], Any],
    record: Callable[..., None],
) -> None:
    with serve(impl_name, database.url, pool_size=POOL_SIZE) as base_url:
        api = register(base_url, "pool_user")
        locked = threading.Event()

        def hold_lock() -> None:
            # Every GET /items waits on this lock while holding a pooled connection.
            with psycopg.connect(database.url) as conn:
                conn.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
                locked.set()
                time.sleep(LOCK_SECONDS)

        def get(_: int) -> tuple[float, httpx.Response | Exception]:
            started = time.monotonic()
            try:
                with httpx.Client(base_url=base_url, timeout=120.0) as client:
                    response: httpx.Response | Exception = client.get("/items?limit=1")
            except httpx.TransportError as exc:
                response = exc
            return time.monotonic() - started, response

        holder = threading.Thread(target=hold_lock)
        holder.start()
        assert locked.wait(10)
        with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
            results = list(pool.map(get, range(CONCURRENT)))
        holder.join()

        errors = [r for _, r in results if isinstance(r, Exception)]
        assert not errors, f"requests failed at the transport level: {errors[:3]}"
        responses = [r for _, r in results if isinstance(r, httpx.Response)]
        statuses = Counter(r.status_code for r in responses)
        for response in responses:
            if response.status_code != 200:
                expect_problem(response, 503, "no connection to be had: a 503 problem")
        slowest = max(seconds for seconds, _ in results)
        bound = LOCK_SECONDS + 15.0
        assert slowest < bound, f"the slowest request took {slowest:.1f} s (bound {bound} s)"
        for path in ("/health", "/items?limit=1"):
            after = api.client.get(path)
            assert after.status_code == 200, f"GET {path} once the lock is gone: {after.text}"
        record(
            impl_name,
            pool_size=POOL_SIZE,
            concurrent=CONCURRENT,
            lock_s=LOCK_SECONDS,
            statuses=dict(statuses),
            slowest_s=round(slowest, 2),
        )
