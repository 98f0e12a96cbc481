"""Items: list, create, retrieve, update, delete."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from contract_tests import support
from contract_tests.attacks import attack_cases
from contract_tests.support import (
    JSON_HEADERS,
    MAX_INT32,
    check_item,
    expect,
    expect_json,
    expect_problem,
)

# --- list ------------------------------------------------------------------------------------


def _total_header(response: httpx.Response) -> int:
    raw = response.headers.get("x-total-count", "")
    if not raw.isdigit():
        support.fail(
            response,
            "carry X-Total-Count with the number of all items as a non-negative integer "
            f"(items.list.ok); the header was {raw!r}",
        )
    return int(raw)


@pytest.mark.contract("items.list.ok")
def test_list_is_public_and_ordered_by_id(
    client: httpx.Client,
    auth_headers: dict[str, str],
    new_user: support.Account,
    shared_headers: dict[str, str],
) -> None:
    start = support.scan_start(support.total_count(client))
    mine = support.create_item(client, auth_headers)
    theirs = support.create_item(client, shared_headers)

    response = client.get("/items", params={"limit": 1})
    page = expect_json(response, 200, "listing items needs no authentication", sent="no token")
    assert isinstance(page, list), f"GET /items must be a JSON array (items.list.ok); got {page!r}"
    assert _total_header(response) >= 2, (
        "X-Total-Count is the number of ALL items, not of the page (items.list.ok); two items "
        f"were just created but it says {response.headers['x-total-count']}"
    )

    found: dict[int, dict[str, Any]] = {}
    offset = start
    while True:
        response = client.get("/items", params={"limit": 100, "offset": offset})
        page = expect_json(response, 200, "limit=100 with an offset is a valid page")
        _total_header(response)
        ids = [check_item(entry, "GET /items entry")["id"] for entry in page]
        assert ids == sorted(set(ids)), (
            f"GET /items?offset={offset} must be ordered by id ascending (items.list.ok); got "
            f"ids {ids[:20]}..."
        )
        found.update({entry["id"]: entry for entry in page})
        if not page:
            break
        offset += len(page)
    for created, whose in [(mine, "new_user"), (theirs, "another user")]:
        assert found.get(created["id"]) == created, (
            f"the item {created} created by {whose} must be listed by GET /items, which shows "
            f"everyone's items (items.list.ok); found {found.get(created['id'])}"
        )


def _ensure_items(client: httpx.Client, headers: dict[str, str], count: int) -> None:
    missing = count - support.total_count(client)
    for _ in range(max(missing, 0)):
        support.create_item(client, headers)


def _page_ids(client: httpx.Client, **params: Any) -> list[int]:
    response = client.get("/items", params=params)
    page = expect_json(response, 200, "this is a valid page", sent=f"query {params}")
    return [entry["id"] for entry in page]


@pytest.mark.contract("items.list.pagination")
@pytest.mark.attack("pagination.out-of-range")
def test_limit_defaults_to_20_and_caps_at_100(
    client: httpx.Client, owner_headers: dict[str, str]
) -> None:
    _ensure_items(client, owner_headers, 101)
    for params, size in [({}, 20), ({"limit": 1}, 1), ({"limit": 100}, 100), ({"limit": 37}, 37)]:
        response = client.get("/items", params=params)
        page = expect_json(response, 200, "limit 1..100 is valid", sent=f"query {params}")
        assert len(page) == size, (
            f"GET /items with {params or 'no query'} must return {size} items when more than "
            f"100 exist (limit default 20, max 100) (items.list.pagination); got {len(page)}"
        )


@pytest.mark.contract("items.list.pagination")
def test_offset_skips_items(client: httpx.Client, owner_headers: dict[str, str]) -> None:
    _ensure_items(client, owner_headers, 20)
    # Other tests may delete their items meanwhile; retry before calling it a bug.
    for _ in range(3):
        first = _page_ids(client, limit=10, offset=0)
        second = _page_ids(client, limit=5, offset=5)
        if second == first[5:]:
            return
    raise AssertionError(
        "GET /items?limit=5&offset=5 must be items 6-10 of GET /items?limit=10 "
        f"(items.list.pagination); got {second} vs {first}"
    )


@pytest.mark.contract("items.list.pagination")
@pytest.mark.parametrize("offset", ["past-end", MAX_INT32])
def test_offset_past_the_end_is_empty(client: httpx.Client, offset: str | int) -> None:
    value = support.total_count(client) + 1_000_000 if offset == "past-end" else offset
    response = client.get("/items", params={"offset": value})
    page = expect_json(response, 200, "an offset past the end is valid", sent=f"offset={value}")
    assert page == [], (
        f"an offset past the end gives 200 [] (items.list.pagination); got {page[:2]}"
    )


BAD_PAGINATION = {
    "limit-zero": ("limit", "0"),
    "limit-101": ("limit", "101"),
    "limit-negative": ("limit", "-1"),
    "limit-letters": ("limit", "abc"),
    "limit-empty": ("limit", ""),
    "limit-float": ("limit", "1.5"),
    "limit-exponent": ("limit", "1e1"),
    "offset-negative": ("offset", "-1"),
    "offset-too-big": ("offset", "2147483648"),
    "offset-letters": ("offset", "abc"),
    "offset-empty": ("offset", ""),
    "offset-float": ("offset", "1.5"),
}


@pytest.mark.contract("items.list.bad-pagination", "errors.validation-list")
@pytest.mark.attack("pagination.out-of-range")
@pytest.mark.parametrize("case", list(BAD_PAGINATION))
def test_bad_pagination_is_422(client: httpx.Client, case: str) -> None:
    name, value = BAD_PAGINATION[case]
    response = client.get("/items", params={name: value})
    expect_problem(
        response,
        422,
        f"{name} must be an integer in range (limit 1..100, offset 0..2147483647); the "
        "error names the parameter",
        fields=name,
    )


@pytest.mark.contract("items.list.bad-pagination")
def test_unknown_query_parameters_are_ignored(client: httpx.Client) -> None:
    response = client.get("/items", params={"limit": 2, "sort": "-id", "owner_id": 1, "q": "x"})
    page = expect_json(response, 200, "unknown query parameters are ignored")
    assert len(page) <= 2
    ids = [entry["id"] for entry in page]
    assert ids == sorted(ids), f"unknown parameters must not change the order; got {ids}"


# --- create ----------------------------------------------------------------------------------


@pytest.mark.contract("items.create.created")
def test_create_item(
    client: httpx.Client, owner: support.Account, owner_headers: dict[str, str]
) -> None:
    name = support.unique_name()
    response = client.post(
        "/items", json={"name": name, "price_cents": 1234}, headers=owner_headers
    )
    item = check_item(
        expect_json(response, 201, "a valid item from an authenticated user is created"),
        "POST /items response",
    )
    expected = {"name": name, "price_cents": 1234, "owner_id": owner.id}
    assert {k: item[k] for k in expected} == expected, (
        f"the new Item must echo the data sent with owner_id = the token's user {owner.id} "
        f"(items.create.created); got {item}"
    )
    location = response.headers.get("location", "")
    if not location.endswith(f"/items/{item['id']}"):
        support.fail(
            response,
            f"answer Location: /items/{item['id']} (items.create.created); "
            f"Location was {location!r}",
        )
    stored = expect_json(client.get(f"/items/{item['id']}"), 200, "the new item is readable")
    assert stored == item, f"GET /items/{item['id']} must equal the 201 body: {stored} != {item}"


BAD_NAMES = {
    "empty": "",
    "spaces-only": "   ",
    "ideographic-space-only": "\u3000",
    "nul": "a\u0000b",
    "tab": "tab\there",
    "newline": "line\nbreak",
    "delete-char": "del\u007f",
    "c1-control": "nel\u0085",
    "101-chars": "n" * 101,
    "101-emoji": "😀" * 101,
    "101-e-acute": "é" * 101,
    "decomposed-200-code-points": "e\u0301" * 100,
}


@pytest.mark.contract("items.create.name-rules", "errors.validation-list")
@pytest.mark.parametrize("case", attack_cases(BAD_NAMES, {"nul": "encoding.nul-bytes"}))
def test_bad_name_is_422(client: httpx.Client, shared_headers: dict[str, str], case: str) -> None:
    name = BAD_NAMES[case]
    response = client.post("/items", json={"name": name, "price_cents": 1}, headers=shared_headers)
    expect_problem(
        response,
        422,
        "a name is 1 to 100 code points, not only whitespace, with no control characters",
        sent=f"name {name[:30]!r} ({len(name)} code points, {case})",
        fields="name",
    )


GOOD_NAMES = {
    "one-char": "x",
    "100-chars": "n" * 100,
    "100-emoji": "😀" * 100,
    "100-e-acute": "é" * 100,
    "decomposed-100-code-points": "e\u0301" * 50,
    "surrounding-spaces": "  padded name  ",
    "sql-shaped": "'); DROP TABLE items; --",
    "like-wildcards": "100% _real_ \\%",
    "quotes-and-backslash": 'a "quoted" \\ name',
    "cjk": "名前の付いた品物",
}


@pytest.mark.contract("items.create.name-rules")
@pytest.mark.parametrize(
    "case",
    attack_cases(
        GOOD_NAMES,
        {"sql-shaped": "injection.sql-shaped", "like-wildcards": "injection.sql-shaped"},
    ),
)
def test_good_name_is_stored_verbatim(
    client: httpx.Client, shared_headers: dict[str, str], case: str
) -> None:
    name = GOOD_NAMES[case]
    response = client.post("/items", json={"name": name, "price_cents": 1}, headers=shared_headers)
    item = expect_json(
        response,
        201,
        "this name is within the rules",
        sent=f"name {name[:30]!r} ({len(name)} code points, {case})",
    )
    stored = expect_json(client.get(f"/items/{item['id']}"), 200, "the new item is readable")
    for where, got in [("POST /items", item["name"]), ("GET /items/{id}", stored["name"])]:
        assert got == name, (
            f"{where} must return the name exactly as sent, no trimming or normalisation "
            f"(items.create.name-rules): sent {name!r}, got {got!r}"
        )


def _with_price(name: str, literal: str) -> bytes:
    return f'{{"name": {json.dumps(name)}, "price_cents": {literal}}}'.encode()


BAD_PRICE_TYPES = {
    "string": '"5"',
    "float": "5.0",
    "exponent": "1e2",
    "fraction": "5.5",
    "true": "true",
    "false": "false",
    "null": "null",
    "list": "[5]",
    "object": '{"cents": 5}',
}


@pytest.mark.contract("items.create.price-integer-only", "errors.validation-list")
@pytest.mark.parametrize("case", list(BAD_PRICE_TYPES))
def test_price_must_be_integer(
    client: httpx.Client, shared_headers: dict[str, str], case: str
) -> None:
    literal = BAD_PRICE_TYPES[case]
    response = client.post(
        "/items",
        content=_with_price(support.unique_name(), literal),
        headers={**shared_headers, **JSON_HEADERS},
    )
    expect_problem(
        response,
        422,
        "the contract accepts JSON integers only, no coercion",
        sent=f"price_cents {literal} ({case})",
        fields="price_cents",
    )


@pytest.mark.contract("items.create.price-range", "errors.validation-list")
@pytest.mark.parametrize(
    "price", [-1, MAX_INT32 + 1, 10**20], ids=["negative", "int32-overflow", "huge"]
)
def test_price_out_of_range_is_422(
    client: httpx.Client, shared_headers: dict[str, str], price: int
) -> None:
    response = client.post(
        "/items", json={"name": support.unique_name(), "price_cents": price}, headers=shared_headers
    )
    expect_problem(
        response,
        422,
        "price_cents is in 0..2147483647",
        sent=f"price_cents {price}",
        fields="price_cents",
    )


@pytest.mark.contract("items.create.price-range")
@pytest.mark.parametrize("price", [0, MAX_INT32], ids=["zero", "int32-max"])
def test_price_at_the_bounds_is_accepted(
    client: httpx.Client, shared_headers: dict[str, str], price: int
) -> None:
    item = support.create_item(client, shared_headers, price_cents=price)
    assert item["price_cents"] == price, f"price_cents {price} must be stored as sent; got {item}"


@pytest.mark.contract("items.create.required", "errors.validation-list")
@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"price_cents": 5}, ("name",)),
        ({"name": "no price"}, ("price_cents",)),
        ({}, ("name", "price_cents")),
    ],
    ids=["missing-name", "missing-price", "empty-object"],
)
def test_required_members(
    client: httpx.Client,
    shared_headers: dict[str, str],
    body: dict[str, Any],
    fields: tuple[str, ...],
) -> None:
    response = client.post("/items", json=body, headers=shared_headers)
    expect_problem(
        response,
        422,
        "name and price_cents are required; the error names each missing one",
        fields=fields,
    )


# --- retrieve ----------------------------------------------------------------------------------


@pytest.mark.contract("items.retrieve.ok")
def test_retrieve_item(client: httpx.Client, item: dict[str, Any]) -> None:
    response = client.get(f"/items/{item['id']}")
    stored = check_item(
        expect_json(
            response, 200, "an existing item is readable without authentication", sent="no token"
        ),
        "GET /items/{id} response",
    )
    assert stored == item, (
        f"GET /items/{item['id']} must be the item as created: {stored} != {item}"
    )


NOT_FOUND_IDS = [
    "abc",
    "0",
    "-1",
    "1.5",
    "1e3",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999",
]


@pytest.mark.contract("items.retrieve.not-found")
@pytest.mark.parametrize("item_id", NOT_FOUND_IDS)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_missing_or_malformed_id_is_404(
    client: httpx.Client, shared_headers: dict[str, str], method: str, item_id: str
) -> None:
    body = {"name": "renamed"} if method == "PATCH" else None
    response = client.request(method, f"/items/{item_id}", json=body, headers=shared_headers)
    expect_problem(
        response,
        404,
        "an id that does not exist, is not an integer or is out of the column's range is 404 — "
        "never 422, never 500",
        sent="a valid token" + (" and a valid body" if body else ""),
    )


# --- update ------------------------------------------------------------------------------------


@pytest.mark.contract("items.update.ok")
@pytest.mark.parametrize(
    "changes",
    [{"name": "renamed item"}, {"price_cents": 4321}, {"name": " both ", "price_cents": 0}, {}],
    ids=["name", "price", "both", "nothing"],
)
def test_owner_updates_any_subset(
    client: httpx.Client,
    owner_headers: dict[str, str],
    item: dict[str, Any],
    changes: dict[str, Any],
) -> None:
    response = client.patch(f"/items/{item['id']}", json=changes, headers=owner_headers)
    updated = check_item(
        expect_json(response, 200, "the owner may PATCH any subset of name and price_cents"),
        "PATCH /items/{id} response",
    )
    expected = {**item, **changes}
    assert updated == expected, (
        f"PATCH {changes} must change exactly those members and keep id, owner_id and created_at "
        f"(items.update.ok): expected {expected}, got {updated}"
    )
    stored = expect_json(client.get(f"/items/{item['id']}"), 200, "the item still exists")
    assert stored == expected, f"GET after PATCH must show the update: {stored} != {expected}"


BAD_UPDATES = {
    "null-name": ('{"name": null}', "name"),
    "null-price": ('{"price_cents": null}', "price_cents"),
    "empty-name": ('{"name": ""}', "name"),
    "spaces-name": ('{"name": "   "}', "name"),
    "nul-name": ('{"name": "a\\u0000b"}', "name"),
    "101-char-name": ('{"name": "' + "n" * 101 + '"}', "name"),
    "string-price": ('{"price_cents": "5"}', "price_cents"),
    "float-price": ('{"price_cents": 5.0}', "price_cents"),
    "bool-price": ('{"price_cents": true}', "price_cents"),
    "negative-price": ('{"price_cents": -1}', "price_cents"),
    "overflow-price": ('{"price_cents": 2147483648}', "price_cents"),
}


@pytest.mark.contract("items.update.ok", "errors.validation-list")
@pytest.mark.parametrize("case", list(BAD_UPDATES))
def test_update_applies_create_rules(
    client: httpx.Client, owner_headers: dict[str, str], item: dict[str, Any], case: str
) -> None:
    body, field = BAD_UPDATES[case]
    response = client.patch(
        f"/items/{item['id']}", content=body.encode(), headers={**owner_headers, **JSON_HEADERS}
    )
    expect_problem(
        response, 422, "PATCH applies the create rules to each member; null is 422", fields=field
    )


@pytest.mark.contract("items.update.forbidden")
@pytest.mark.attack("bola.foreign-item-write")
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_other_user_is_forbidden(
    client: httpx.Client, item: dict[str, Any], shared_headers: dict[str, str], method: str
) -> None:
    body = {"name": "stolen", "price_cents": 0} if method == "PATCH" else None
    response = client.request(method, f"/items/{item['id']}", json=body, headers=shared_headers)
    expect_problem(
        response, 403, "only the owner may change or delete an item", sent="another user's token"
    )
    stored = expect_json(
        client.get(f"/items/{item['id']}"), 200, "a forbidden write keeps the item"
    )
    assert stored == item, f"a 403 {method} must change nothing: {stored} != {item}"


# --- delete ------------------------------------------------------------------------------------


@pytest.mark.contract("items.delete.no-content", "items.retrieve.not-found")
def test_owner_deletes_item(
    client: httpx.Client, owner_headers: dict[str, str], item: dict[str, Any]
) -> None:
    path = f"/items/{item['id']}"
    response = expect(
        client.delete(path, headers=owner_headers), 204, "the owner may delete the item"
    )
    assert response.content == b"", (
        f"DELETE {path} answered 204 with a body {response.content[:100]!r}; 204 has an empty "
        "body (items.delete.no-content)"
    )
    expect_problem(client.get(path), 404, "the item was deleted")
    expect_problem(client.delete(path, headers=owner_headers), 404, "the item was already deleted")
    expect_problem(
        client.patch(path, json={"name": "ghost"}, headers=owner_headers),
        404,
        "the item was deleted",
    )
