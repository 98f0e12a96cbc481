"""Load without loss: many concurrent writers, then every acknowledged write is checked."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg

CLIENTS = 32
ITEMS = 5_000
PATCH_WRITERS = 32
PATCHES_EACH = 5


def _create_all(api: Any, worker: int, count: int) -> list[tuple[dict[str, Any], int, Any]]:
    """One client's share: (body sent, status, JSON body or transport error) per request."""
    outcomes = []
    with httpx.Client(base_url=str(api.client.base_url), timeout=60.0) as client:
        for n in range(count):
            body = {"name": f"load {worker}-{n} ✓", "price_cents": worker * 100_000 + n}
            try:
                response = client.post("/items", json=body, headers=api.headers)
            except httpx.TransportError as exc:
                outcomes.append((body, 0, repr(exc)))
                continue
            outcomes.append((body, response.status_code, response.json()))
    return outcomes


def _page_from(client: httpx.Client, offset: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        response = client.get("/items", params={"limit": 100, "offset": offset})
        assert response.status_code == 200, response.text
        page = response.json()
        if not page:
            return found
        found += page
        offset += len(page)


def test_concurrent_creates_lose_nothing(
    impl_name: str,
    database: Any,
    serve: Callable[..., Any],
    register: Callable[[str, str], Any],
    record: Callable[..., None],
) -> None:
    with serve(impl_name, database.url) as base_url:
        api = register(base_url, "load_writer")
        before = int(api.client.get("/items", params={"limit": 1}).headers["x-total-count"])
        shares = [ITEMS // CLIENTS + (1 if i < ITEMS % CLIENTS else 0) for i in range(CLIENTS)]
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            results = list(pool.map(lambda args: _create_all(api, *args), enumerate(shares)))
        seconds = time.monotonic() - started
        outcomes = [outcome for share in results for outcome in share]
        statuses = Counter(status for _, status, _ in outcomes)
        record(
            impl_name,
            creates=len(outcomes),
            seconds=round(seconds, 1),
            per_second=round(len(outcomes) / seconds),
            statuses=dict(statuses),
        )
        assert statuses == {201: ITEMS}, (
            f"{ITEMS} creates from {CLIENTS} concurrent clients must all be 201 (no 5xx, no "
            f"dropped connection); got {dict(statuses)}, e.g. "
            f"{[o for o in outcomes if o[1] != 201][:3]}"
        )

        # Black box: the list, from where it stood before the run, holds exactly these.
        created = {item["id"]: (body, item) for body, _, item in outcomes}
        assert len(created) == ITEMS, "two 201 answers carried the same id"
        listed = _page_from(api.client, before)
        listed_ids = Counter(item["id"] for item in listed)
        assert [i for i, n in listed_ids.items() if n > 1] == [], "an item is listed twice"
        assert set(listed_ids) == set(created), (
            f"GET /items must list exactly the {ITEMS} created items: "
            f"missing {sorted(set(created) - set(listed_ids))[:10]}, "
            f"extra {sorted(set(listed_ids) - set(created))[:10]}"
        )
        for item in listed:
            body, answered = created[item["id"]]
            assert item == answered, f"item {item['id']} reads {item}, the 201 said {answered}"
            assert (item["name"], item["price_cents"], item["owner_id"]) == (
                body["name"],
                body["price_cents"],
                api.user_id,
            ), f"item {item['id']} does not hold the data sent: {body}"

        # White box: the table agrees with the API.
        with psycopg.connect(database.url) as conn:
            row = conn.execute(
                "SELECT count(*), count(DISTINCT name) FROM items WHERE owner_id = %s",
                (api.user_id,),
            ).fetchone()
        assert row == (ITEMS, ITEMS), f"the items table holds {row} rows for the writer"


def test_concurrent_patches_end_in_a_written_state(
    impl_name: str,
    database: Any,
    serve: Callable[..., Any],
    register: Callable[[str, str], Any],
) -> None:
    with serve(impl_name, database.url) as base_url:
        api = register(base_url, "patch_writer")
        created = api.client.post(
            "/items", json={"name": "start", "price_cents": 1}, headers=api.headers
        )
        assert created.status_code == 201, created.text
        path = f"/items/{created.json()['id']}"

        def write(writer: int) -> list[tuple[dict[str, Any], int, Any]]:
            answers = []
            with httpx.Client(base_url=base_url, timeout=60.0) as client:
                for n in range(PATCHES_EACH):
                    # Both members change on every write, so a torn row (one member from
                    # each of two writes) cannot pass for a written state.
                    body = {"name": f"writer {writer} #{n}", "price_cents": writer * 1000 + n}
                    response = client.patch(path, json=body, headers=api.headers)
                    answers.append((body, response.status_code, response.json()))
            return answers

        with ThreadPoolExecutor(max_workers=PATCH_WRITERS) as pool:
            answers = [a for share in pool.map(write, range(PATCH_WRITERS)) for a in share]
        assert Counter(status for _, status, _ in answers) == {200: len(answers)}, answers[:3]
        for body, _, item in answers:
            assert (item["name"], item["price_cents"]) == (body["name"], body["price_cents"]), (
                f"a PATCH answered {item} for the write {body}"
            )
        final = api.client.get(path).json()
        written = {(body["name"], body["price_cents"]) for body, _, _ in answers}
        assert (final["name"], final["price_cents"]) in written, (
            f"after {len(answers)} concurrent PATCHes the item is {final}, which no PATCH wrote"
        )
