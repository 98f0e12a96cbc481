"""Racing requests: many in flight at once on the same item or username.

Each race starts its requests together (a barrier releases every thread at once)
and is repeated over many items, so that an interleaving that goes wrong one time
in a hundred still shows. Every answer is checked, then the final state through
the API. Failures are tallied over the whole run and reported together, so a
message says how often a race went wrong, not only that it did once.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest

from contract_tests import support
from contract_tests.support import check_item, expect_json, expect_problem

RACERS = 20
CREATES = 50
# Items raced per test: enough that a race lost one time in a hundred shows.
ITEMS = 60
# Items raced at once in one batch (each with its own few requests).
BATCH = 12
# Password hashes queue up on the server; allow more than the usual timeout.
RACE_TIMEOUT = 60.0

Request = Callable[[], httpx.Response]


class Tally:
    """Race outcomes that break a rule, counted by kind, with the first example of each."""

    def __init__(self, rule: str, races: int) -> None:
        self.rule = rule
        self.races = races
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, str] = {}

    def wrong(self, kind: str, example: str) -> None:
        self.counts[kind] += 1
        self.examples.setdefault(kind, example)

    def check(self) -> None:
        __tracebackhide__ = True
        if self.counts:
            lines = [
                f"- {kind}: {count} of {self.races} races; first: {self.examples[kind]}"
                for kind, count in self.counts.most_common()
            ]
            raise AssertionError(f"{self.rule} broken:\n" + "\n".join(lines))


def race(
    batches: list[list[Request]], alongside: Callable[[], None] | None = None
) -> list[list[httpx.Response]]:
    """Start every request of every race in ``batches`` (and ``alongside``) at one moment."""
    flat = [request for requests in batches for request in requests]
    start = threading.Barrier(len(flat) + (alongside is not None), timeout=RACE_TIMEOUT)

    def run(request: Callable[[], Any]) -> Any:
        start.wait()
        return request()

    with ThreadPoolExecutor(max_workers=len(flat) + 1) as pool:
        side = pool.submit(run, alongside) if alongside is not None else None
        responses = iter(list(pool.map(run, flat)))
        if side is not None:
            side.result()
    return [[next(responses) for _ in requests] for requests in batches]


def server_error(response: httpx.Response) -> str | None:
    """A description of a 5xx answer (concurrency.no-5xx), or None."""
    if response.status_code < 500:
        return None
    request = response.request
    return f"{request.method} {request.url.path} -> {support.describe_response(response)}"


def create_items(client: httpx.Client, headers: dict[str, str], count: int) -> list[dict[str, Any]]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(
            pool.map(
                lambda i: support.create_item(client, headers, price_cents=1000 + i), range(count)
            )
        )


def batches_of(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [items[i : i + BATCH] for i in range(0, len(items), BATCH)]


def patch(
    client: httpx.Client, headers: dict[str, str], item_id: int, body: dict[str, Any]
) -> Request:
    return lambda: client.patch(
        f"/items/{item_id}", json=body, headers=headers, timeout=RACE_TIMEOUT
    )


def delete(client: httpx.Client, headers: dict[str, str], item_id: int) -> Request:
    return lambda: client.delete(f"/items/{item_id}", headers=headers, timeout=RACE_TIMEOUT)


def post(client: httpx.Client, headers: dict[str, str], body: dict[str, Any]) -> Request:
    return lambda: client.post("/items", json=body, headers=headers, timeout=RACE_TIMEOUT)


def check_error_shape(tally: Tally, response: httpx.Response) -> None:
    """A 4xx answer inside a race is still a problem document (concurrency.no-5xx)."""
    try:
        support.check_problem(response)
    except AssertionError as error:
        tally.wrong("an error answer that is not a problem document", str(error)[:300])


@pytest.mark.contract("concurrency.register-once", "auth.register.taken", "concurrency.no-5xx")
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
        f"(concurrency.register-once); got {dict(statuses)}"
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


@pytest.mark.contract("concurrency.delete-once", "concurrency.no-5xx")
def test_racing_deletes_give_one_204(client: httpx.Client, auth_headers: dict[str, str]) -> None:
    deleters = 3
    tally = Tally("concurrency.delete-once", ITEMS)
    for batch in batches_of(create_items(client, auth_headers, ITEMS)):
        results = race([[delete(client, auth_headers, item["id"])] * deleters for item in batch])
        for item, responses in zip(batch, results, strict=True):
            for response in responses:
                if error := server_error(response):
                    tally.wrong("a 5xx answer", error)
                elif response.status_code == 404:
                    check_error_shape(tally, response)
            statuses = sorted(r.status_code for r in responses)
            if statuses != [204] + [404] * (deleters - 1):
                tally.wrong(
                    f"not one 204 and {deleters - 1} 404s",
                    f"item {item['id']}: {statuses}",
                )
            if client.get(f"/items/{item['id']}").status_code != 404:
                tally.wrong("the item is still there", f"item {item['id']}")
    tally.check()


@pytest.mark.contract("concurrency.update-delete", "concurrency.no-5xx")
def test_a_patch_racing_a_delete_never_resurrects(
    client: httpx.Client, auth_headers: dict[str, str]
) -> None:
    tally = Tally("concurrency.update-delete", ITEMS)
    for batch in batches_of(create_items(client, auth_headers, ITEMS)):
        bodies = [
            ({"name": support.unique_name("renamed")}, {"price_cents": item["price_cents"] + 7})
            for item in batch
        ]
        results = race(
            [
                [
                    patch(client, auth_headers, item["id"], by_name),
                    delete(client, auth_headers, item["id"]),
                    patch(client, auth_headers, item["id"], by_price),
                ]
                for item, (by_name, by_price) in zip(batch, bodies, strict=True)
            ]
        )
        for item, (by_name, by_price), responses in zip(batch, bodies, results, strict=True):
            first, deleted, second = responses
            if deleted.status_code != 204:
                tally.wrong(
                    "the DELETE did not answer 204",
                    f"item {item['id']}: {support.describe_response(deleted)}",
                )
            for response, body, other in ((first, by_name, by_price), (second, by_price, by_name)):
                if error := server_error(response):
                    tally.wrong("a 5xx answer", error)
                elif response.status_code == 404:
                    check_error_shape(tally, response)
                elif response.status_code == 200:
                    got = response.json()
                    # This PATCH's members applied, the other's maybe (if it committed first).
                    possible = [{**item, **body}, {**item, **other, **body}]
                    if got not in possible:
                        tally.wrong(
                            "a 200 with a state the item never had",
                            f"item {item['id']}: sent {body}, got {got}, expected one of "
                            f"{possible}",
                        )
                else:
                    tally.wrong(
                        "a PATCH answer other than 200 or 404",
                        f"item {item['id']}: {support.describe_response(response)}",
                    )
        # Read after every answer is in: a resurrected row would be visible now.
        for item in batch:
            found = client.get(f"/items/{item['id']}")
            if found.status_code != 404:
                tally.wrong(
                    "the deleted item came back",
                    f"item {item['id']}: GET -> {support.describe_response(found)}",
                )
    tally.check()


@pytest.mark.contract("concurrency.update-fields", "concurrency.no-5xx")
def test_concurrent_patches_of_different_members_both_survive(
    client: httpx.Client, auth_headers: dict[str, str]
) -> None:
    tally = Tally("concurrency.update-fields", ITEMS)
    for batch in batches_of(create_items(client, auth_headers, ITEMS)):
        bodies = [
            ({"name": support.unique_name("renamed")}, {"price_cents": item["price_cents"] + 11})
            for item in batch
        ]
        results = race(
            [
                [
                    patch(client, auth_headers, item["id"], by_name),
                    patch(client, auth_headers, item["id"], by_price),
                ]
                for item, (by_name, by_price) in zip(batch, bodies, strict=True)
            ]
        )
        for item, (by_name, by_price), responses in zip(batch, bodies, results, strict=True):
            for response in responses:
                if error := server_error(response):
                    tally.wrong("a 5xx answer", error)
                elif response.status_code != 200:
                    tally.wrong(
                        "a PATCH of an existing item did not answer 200",
                        f"item {item['id']}: {support.describe_response(response)}",
                    )
            stored = client.get(f"/items/{item['id']}").json()
            expected = {**item, **by_name, **by_price}
            if stored != expected:
                tally.wrong(
                    "one PATCH overwrote the other's member",
                    f"item {item['id']}: expected {expected}, stored {stored}",
                )
    tally.check()


# Per user in the owner-gone race: creates, and a PATCH and a DELETE of each of its items.
OWNER_GONE_USERS = 8
OWNER_GONE_ITEMS = 3
OWNER_GONE_CREATES = 4
ALLOWED_WHEN_OWNER_GOES = {
    "POST": {201, 401},
    "PATCH": {200, 401, 404},
    "DELETE": {204, 401, 404},
}


@pytest.mark.white_box
@pytest.mark.contract("concurrency.owner-gone", "concurrency.no-5xx")
def test_writes_whose_owner_is_deleted_mid_request(
    client: httpx.Client, servers_database_url: str
) -> None:
    users = [support.register(client) for _ in range(OWNER_GONE_USERS)]
    headers = [user.headers(client) for user in users]
    owned = [create_items(client, h, OWNER_GONE_ITEMS) for h in headers]
    requests: list[Request] = []
    for h, items in zip(headers, owned, strict=True):
        requests += [
            post(client, h, {"name": support.unique_name("orphan"), "price_cents": 1})
            for _ in range(OWNER_GONE_CREATES)
        ]
        for item in items:
            requests.append(patch(client, h, item["id"], {"price_cents": 5}))
            requests.append(delete(client, h, item["id"]))
    random.shuffle(requests)

    def delete_users() -> None:
        # Behind the API, a moment after the burst starts, while requests are in flight.
        with psycopg.connect(servers_database_url, autocommit=True) as conn:
            time.sleep(0.01)
            conn.execute("DELETE FROM users WHERE id = ANY(%s)", ([u.id for u in users],))

    (responses,) = race([requests], alongside=delete_users)

    tally = Tally("concurrency.owner-gone", len(responses))
    for response in responses:
        method = response.request.method
        if error := server_error(response):
            tally.wrong("a 5xx answer", error)
        elif response.status_code not in ALLOWED_WHEN_OWNER_GOES[method]:
            tally.wrong(
                f"a {method} answer outside {sorted(ALLOWED_WHEN_OWNER_GOES[method])}",
                support.describe_response(response),
            )
        elif response.status_code >= 400:
            check_error_shape(tally, response)
    created = [r.json()["id"] for r in responses if r.status_code == 201]
    for item_id in created + [item["id"] for items in owned for item in items]:
        if client.get(f"/items/{item_id}").status_code != 404:
            tally.wrong("an item of a deleted user survived", f"item {item_id}")
    tally.check()
