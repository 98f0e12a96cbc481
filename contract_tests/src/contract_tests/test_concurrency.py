"""Racing requests: one unique constraint, many concurrent creates."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from contract_tests import support
from contract_tests.support import check_item, expect_json, expect_problem

RACERS = 20
CREATES = 50
# Twenty password hashes queue up on the server; allow more than the usual timeout.
RACE_TIMEOUT = 60.0


@pytest.mark.contract("auth.register.taken")
def test_racing_registrations_give_one_201(client: httpx.Client) -> None:
    username = support.unique_username("race")
    start = threading.Barrier(RACERS, timeout=RACE_TIMEOUT)

    def register(index: int) -> httpx.Response:
        start.wait()
        return client.post(
            "/auth/register",
            json={"username": username, "password": f"password-{index}"},
            timeout=RACE_TIMEOUT,
        )

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        responses = list(pool.map(register, range(RACERS)))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: RACERS - 1}, (
        f"{RACERS} concurrent POST /auth/register of one new username must give exactly one "
        f"201 and {RACERS - 1} 409 — the database's unique constraint decides "
        f"(auth.register.taken); got {dict(statuses)}"
    )
    for response in responses:
        if response.status_code == 409:
            expect_problem(response, 409, "the username was taken by a racing request")


@pytest.mark.contract("concurrency.creates-visible")
def test_concurrent_creates_are_all_visible(
    client: httpx.Client, new_user: support.Account, auth_headers: dict[str, str]
) -> None:
    sent = [
        {"name": support.unique_name(f"concurrent {i}"), "price_cents": 1000 + i}
        for i in range(CREATES)
    ]

    def create(body: dict[str, Any]) -> httpx.Response:
        return client.post("/items", json=body, headers=auth_headers, timeout=RACE_TIMEOUT)

    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(create, sent))
    created = [
        check_item(
            expect_json(response, 201, "each concurrent create is valid"), "POST /items response"
        )
        for response in responses
    ]
    ids = [item["id"] for item in created]
    assert len(set(ids)) == CREATES, f"{CREATES} creates must get distinct ids; got {sorted(ids)}"
    for body, item in zip(sent, created, strict=True):
        stored = expect_json(
            client.get(f"/items/{item['id']}"), 200, "an item that got 201 is readable afterwards"
        )
        expected = {**item, **body, "owner_id": new_user.id}
        assert stored == expected, (
            f"item {item['id']} must read back exactly as sent (concurrency.creates-visible): "
            f"expected {expected}, got {stored}"
        )
