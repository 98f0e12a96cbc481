"""The HTTP scenarios: what wrk requests, and how one answer is checked before timing.

The verify pass (``verify``) sends each scenario's request once and lists every
answer that is wrong (status, content type, members); a target with any failure is
not benchmarked. Counting queries (``queries``) replays the same requests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import httpx

ITEM_MEMBERS = {"id", "name", "price_cents", "owner_id", "created_at"}
USER_MEMBERS = {"id", "username", "created_at"}
CREATE_BODY = {"name": "bench item", "price_cents": 1999}


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    script: str
    method: str
    needs_token: bool
    what: str


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("health", "GET /health", "health.lua", "GET", False, "framework floor + SELECT 1"),
    Scenario("items_get", "GET /items/{id}", "items_get.lua", "GET", False, "one query by id"),
    Scenario("items_list", "GET /items?limit=20", "items_list.lua", "GET", False, "page + count"),
    Scenario("me", "GET /me", "me.lua", "GET", True, "JWT verify + user lookup"),
    Scenario("items_create", "POST /items", "items_create.lua", "POST", True, "validated write"),
)
BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}


@dataclass(frozen=True)
class Fixtures:
    """What the requests need: a bearer token and ids of items that exist."""

    token: str
    item_ids: list[int]


def request(
    client: httpx.Client, scenario: Scenario, fixtures: Fixtures, rng: random.Random
) -> httpx.Response:
    auth = {"Authorization": f"Bearer {fixtures.token}"}
    match scenario.name:
        case "health":
            return client.get("/health")
        case "items_get":
            return client.get(f"/items/{rng.choice(fixtures.item_ids)}")
        case "items_list":
            return client.get("/items", params={"limit": 20})
        case "me":
            return client.get("/me", headers=auth)
        case "items_create":
            return client.post("/items", json=CREATE_BODY, headers=auth)
    raise ValueError(f"unknown scenario {scenario.name}")


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def check(scenario: Scenario, response: httpx.Response) -> list[str]:
    """Every way this answer breaks the contract for the scenario (empty when correct)."""
    expected = 201 if scenario.name == "items_create" else 200
    problems = []
    if response.status_code != expected:
        problems.append(f"status {response.status_code}, expected {expected}")
        return problems
    if not response.headers.get("content-type", "").startswith("application/json"):
        problems.append(f"content-type {response.headers.get('content-type')!r}")
    body = _json(response)
    match scenario.name:
        case "health":
            if body != {"status": "ok", "database": "ok"}:
                problems.append(f"body {body!r}")
        case "items_get" | "items_create":
            if not isinstance(body, dict) or set(body) != ITEM_MEMBERS:
                problems.append(f"item members {sorted(body) if isinstance(body, dict) else body}")
        case "items_list":
            if not isinstance(body, list) or not 0 < len(body) <= 20:
                problems.append("body is not a list of 1..20 items")
            elif any(set(item) != ITEM_MEMBERS for item in body):
                problems.append("an item has the wrong members")
            if not response.headers.get("x-total-count", "").isdigit():
                problems.append("no numeric X-Total-Count header")
        case "me":
            if not isinstance(body, dict) or set(body) != USER_MEMBERS:
                problems.append(f"user members {body!r}")
    return problems


def verify(base_url: str, fixtures: Fixtures, scenarios: tuple[Scenario, ...]) -> list[str]:
    """Send each scenario once; return every failure as 'scenario: reason'."""
    failures = []
    rng = random.Random(0)
    with httpx.Client(base_url=base_url, timeout=10.0) as client:
        for scenario in scenarios:
            try:
                response = request(client, scenario, fixtures, rng)
            except httpx.HTTPError as exc:
                failures.append(f"{scenario.label}: {type(exc).__name__}: {exc}")
                continue
            failures.extend(f"{scenario.label}: {problem}" for problem in check(scenario, response))
    return failures


def issue_token(base_url: str, username: str, password: str) -> str:
    """Register the user if needed, then log in; return the access token."""
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        client.post("/auth/register", json={"username": username, "password": password})
        response = client.post("/auth/token", json={"username": username, "password": password})
        if response.status_code != 200:
            raise RuntimeError(f"POST /auth/token at {base_url}: {response.status_code}")
        return str(response.json()["access_token"])


def discover_item_ids(base_url: str, limit: int = 1000) -> list[int]:
    """Ids of existing items, read through the API (for a target without database access)."""
    ids: list[int] = []
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        while len(ids) < limit:
            page = client.get("/items", params={"limit": 100, "offset": len(ids)}).json()
            if not page:
                break
            ids.extend(int(item["id"]) for item in page)
    return ids
