"""General rules: JSON bodies, paths, members, timestamps, unknown paths and methods."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from contract_tests import support
from contract_tests.support import expect_json, expect_problem

Call = Callable[[httpx.Client, support.Account, dict[str, str]], httpx.Response]


def _create(
    client: httpx.Client, account: support.Account, headers: dict[str, str]
) -> httpx.Response:
    return client.post(
        "/items", json={"name": support.unique_name(), "price_cents": 5}, headers=headers
    )


def _retrieve(
    client: httpx.Client, account: support.Account, headers: dict[str, str]
) -> httpx.Response:
    item = support.create_item(client, headers)
    return client.get(f"/items/{item['id']}")


def _update(
    client: httpx.Client, account: support.Account, headers: dict[str, str]
) -> httpx.Response:
    item = support.create_item(client, headers)
    return client.patch(f"/items/{item['id']}", json={"price_cents": 6}, headers=headers)


SUCCESSES: dict[str, Call] = {
    "health": lambda c, a, h: c.get("/health"),
    "register": lambda c, a, h: c.post(
        "/auth/register", json={"username": support.unique_username(), "password": "password-1"}
    ),
    "token": lambda c, a, h: c.post(
        "/auth/token", json={"username": a.username, "password": a.password}
    ),
    "me": lambda c, a, h: c.get("/me", headers=h),
    "list-items": lambda c, a, h: c.get("/items"),
    "create-item": _create,
    "retrieve-item": _retrieve,
    "update-item": _update,
}


@pytest.mark.contract("general.json")
@pytest.mark.parametrize("endpoint", list(SUCCESSES))
def test_successful_bodies_are_json(
    client: httpx.Client, owner: support.Account, owner_headers: dict[str, str], endpoint: str
) -> None:
    response = SUCCESSES[endpoint](client, owner, owner_headers)
    expect_json(response, (200, 201), "succeed and answer JSON in UTF-8")
    # expect_json checked the Content-Type; also insist the bytes are UTF-8.
    try:
        response.content.decode("utf-8")
    except UnicodeDecodeError:
        support.fail(response, "send its JSON body encoded as UTF-8 (general.json)")


@pytest.mark.contract("general.no-trailing-slash")
@pytest.mark.parametrize(
    ("method", "path", "needs_token"),
    [
        ("GET", "/health/", False),
        ("GET", "/items/", False),
        ("GET", "/items/{id}/", False),
        ("GET", "/me/", True),
        ("POST", "/items/", True),
        ("PATCH", "/items/{id}/", True),
        ("DELETE", "/items/{id}/", True),
        ("POST", "/auth/token/", False),
    ],
)
def test_trailing_slash_is_unknown_path(
    client: httpx.Client,
    owner: support.Account,
    owner_headers: dict[str, str],
    item: dict[str, Any],
    method: str,
    path: str,
    needs_token: bool,
) -> None:
    url = path.replace("{id}", str(item["id"]))
    body: dict[str, Any] | None = None
    if method == "POST" and url.startswith("/items"):
        body = {"name": support.unique_name(), "price_cents": 1}
    elif method == "POST":
        body = {"username": owner.username, "password": owner.password}
    elif method == "PATCH":
        body = {"price_cents": 2}
    response = client.request(method, url, json=body, headers=owner_headers if needs_token else {})
    expect_problem(
        response,
        404,
        "paths have no trailing slash, so this is an unknown path — never a redirect",
    )
    after = expect_json(client.get(f"/items/{item['id']}"), 200, "the item still exists")
    assert after == item, f"{method} {url} answered 404 but changed the item: {after} != {item}"


@pytest.mark.contract("general.exact-members")
def test_bodies_carry_exactly_the_documented_members(
    client: httpx.Client, new_user: support.Account, auth_headers: dict[str, str]
) -> None:
    support.check_user(new_user.user, "POST /auth/register response")
    me = expect_json(client.get("/me", headers=auth_headers), 200, "a valid token reads /me")
    support.check_user(me, "GET /me response")
    created = support.create_item(client, auth_headers)
    read = expect_json(client.get(f"/items/{created['id']}"), 200, "an existing item is readable")
    support.check_item(read, "GET /items/{id} response")
    page = expect_json(client.get("/items", params={"limit": 5}), 200, "listing is public")
    for entry in page:
        support.check_item(entry, "GET /items entry")
    token = client.post(
        "/auth/token", json={"username": new_user.username, "password": new_user.password}
    )
    body = expect_json(token, 200, "a registered user logs in")
    assert set(body) == support.TOKEN_MEMBERS, (
        f"POST /auth/token must answer exactly {sorted(support.TOKEN_MEMBERS)} "
        f"(general.exact-members); got {sorted(body)}"
    )
    health = expect_json(client.get("/health"), 200, "the database is up")
    assert set(health) == {"status", "database"}, (
        f"GET /health must answer exactly status and database (general.exact-members); got {health}"
    )


@pytest.mark.contract("general.timestamps")
def test_created_at_is_utc_with_microseconds(
    client: httpx.Client, new_user: support.Account, auth_headers: dict[str, str], secret: str
) -> None:
    support.check_timestamp(new_user.user["created_at"], "POST /auth/register response")
    token = support.issue_token(client, new_user.username, new_user.password)
    _, claims = support.decode_hs256(token["access_token"], secret)
    created = support.create_item(client, support.bearer(token["access_token"]))
    listed = [
        entry
        for entry in support.scan_items(client, support.scan_start(support.total_count(client)))
        if entry["id"] == created["id"]
    ]
    for entry in [created, *listed]:
        support.check_timestamp(entry["created_at"], "Item")
    # The token's iat is the server's own clock in UTC; a created_at written in local
    # time but labelled Z would be hours away from it.
    skew = abs(support.parse_timestamp(created["created_at"]).timestamp() - claims["iat"])
    assert skew < 600, (
        f"created_at {created['created_at']} is {skew:.0f} s away from the token's iat "
        f"{claims['iat']} issued just before: created_at must be UTC (general.timestamps)"
    )


@pytest.mark.contract("general.unknown-path")
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nope"),
        ("GET", "/items/1/extra"),
        ("GET", "/api/items"),
        ("GET", "/auth"),
        ("POST", "/nope"),
        ("DELETE", "/users/1"),
    ],
)
def test_unknown_path_is_404(
    client: httpx.Client, shared_headers: dict[str, str], method: str, path: str
) -> None:
    body: dict[str, Any] | None = {} if method == "POST" else None
    response = client.request(method, path, json=body, headers=shared_headers)
    expect_problem(response, 404, "an unknown path is 404 with a problem body")


CONTRACT_METHODS = {
    "/health": {"GET"},
    "/auth/register": {"POST"},
    "/auth/token": {"POST"},
    "/me": {"GET"},
    "/items": {"GET", "POST"},
    "/items/{id}": {"GET", "PATCH", "DELETE"},
}


@pytest.mark.contract("general.method-not-allowed")
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/health"),
        ("DELETE", "/health"),
        ("GET", "/auth/register"),
        ("PUT", "/auth/register"),
        ("GET", "/auth/token"),
        ("DELETE", "/auth/token"),
        ("POST", "/me"),
        ("PATCH", "/me"),
        ("DELETE", "/me"),
        ("PUT", "/items"),
        ("PATCH", "/items"),
        ("DELETE", "/items"),
        ("POST", "/items/{id}"),
        ("PUT", "/items/{id}"),
    ],
)
def test_wrong_method_is_405(
    client: httpx.Client,
    owner_headers: dict[str, str],
    item: dict[str, Any],
    method: str,
    path: str,
) -> None:
    url = path.replace("{id}", str(item["id"]))
    body: dict[str, Any] | None = {} if method in {"POST", "PUT", "PATCH"} else None
    response = client.request(method, url, json=body, headers=owner_headers)
    expect_problem(
        response,
        405,
        f"{path} is a known path that does not define {method} (a valid token was sent)",
        sent="a valid token",
    )
    allow = {m.strip().upper() for m in response.headers.get("allow", "").split(",") if m.strip()}
    missing = CONTRACT_METHODS[path] - allow
    if missing:
        support.fail(
            response,
            f"carry an Allow header listing at least {sorted(CONTRACT_METHODS[path])} "
            f"(general.method-not-allowed); Allow was {response.headers.get('allow')!r}",
            sent="a valid token",
        )


@pytest.mark.contract("general.method-not-allowed")
@pytest.mark.parametrize(
    ("method", "path"),
    [
        # Found by fuzzing: a permission check answered 401 before the method was looked at.
        ("TRACE", "/items"),
        ("PUT", "/items"),
        ("TRACE", "/items/{id}"),
        ("PUT", "/items/{id}"),
        ("PUT", "/me"),
        ("DELETE", "/health"),
    ],
)
def test_wrong_method_without_token_is_405(
    client: httpx.Client, item: dict[str, Any], method: str, path: str
) -> None:
    url = path.replace("{id}", str(item["id"]))
    response = client.request(method, url)
    expect_problem(
        response,
        405,
        f"{path} does not define {method}; the method is wrong whoever asks, so no 401 first",
        sent="no token",
    )


# --- general.request-target-limit ----------------------------------------------------------

TARGET_LIMIT = 8_192

LONG_TARGETS = {
    # name: (target builder, size in bytes, expected status)
    "query-at-limit": ("/items?pad=", TARGET_LIMIT, 200),
    "query-one-over": ("/items?pad=", TARGET_LIMIT + 1, 414),
    "query-16-kib": ("/items?pad=", 16 * 1024, 414),
    "query-60-kb": ("/items?pad=", 60_000, 414),
    "item-path-one-over": ("/items/", TARGET_LIMIT + 1, 414),
    "unknown-path-20-kb": ("/nothing-here/", 20_000, 414),
}


@pytest.mark.contract("general.request-target-limit")
@pytest.mark.attack("size.request-target")
@pytest.mark.parametrize("case", list(LONG_TARGETS))
def test_request_target_over_8_kib_is_414(client: httpx.Client, case: str) -> None:
    prefix, size, status = LONG_TARGETS[case]
    filler = "1" if prefix == "/items/" else "a"
    target = prefix + filler * (size - len(prefix))
    response = client.get(target)
    assert len(response.request.url.raw_path) == size, "the suite built the wrong target"
    sent = f"a request target of {size} bytes ({case})"
    if status == 200:
        expect_json(response, 200, "a request target of up to 8,192 bytes is served", sent=sent)
    else:
        expect_problem(
            response,
            414,
            "a request target over 8,192 bytes is 414 with a problem body, answered by the "
            "application (never the HTTP server's own HTML page)",
            sent=sent,
        )
