"""Request bodies of POST and PATCH: media type, syntax, shape, size, hostile JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from contract_tests import support
from contract_tests.attacks import attack_cases
from contract_tests.support import JSON_HEADERS, check_no_leak, expect, expect_json, expect_problem

WRITE_ENDPOINTS = ["register", "token", "create-item", "update-item"]


@dataclass
class WriteEndpoint:
    """One endpoint that takes a JSON body, with what a valid request looks like."""

    method: str
    path: str
    headers: dict[str, str]
    valid_body: Callable[[], dict[str, Any]]
    success: int

    def send(
        self, client: httpx.Client, content: bytes, content_type: str | None = "application/json"
    ) -> httpx.Response:
        headers = dict(self.headers)
        if content_type is not None:
            headers["Content-Type"] = content_type
        return client.request(self.method, self.path, content=content, headers=headers)

    def valid_bytes(self) -> bytes:
        return json.dumps(self.valid_body()).encode()


@pytest.fixture
def endpoint(
    request: pytest.FixtureRequest,
    client: httpx.Client,
    shared_user: support.Account,
    shared_headers: dict[str, str],
) -> WriteEndpoint:
    name = request.param
    if name == "register":
        return WriteEndpoint(
            "POST",
            "/auth/register",
            {},
            lambda: {"username": support.unique_username(), "password": "password-1"},
            201,
        )
    if name == "token":
        return WriteEndpoint(
            "POST",
            "/auth/token",
            {},
            lambda: {"username": shared_user.username, "password": shared_user.password},
            200,
        )
    if name == "create-item":
        return WriteEndpoint(
            "POST",
            "/items",
            shared_headers,
            lambda: {"name": support.unique_name(), "price_cents": 1},
            201,
        )
    assert name == "update-item"
    target = support.create_item(client, shared_headers)
    return WriteEndpoint(
        "PATCH",
        f"/items/{target['id']}",
        shared_headers,
        lambda: {"name": support.unique_name(), "price_cents": 2},
        200,
    )


each_endpoint = pytest.mark.parametrize("endpoint", WRITE_ENDPOINTS, indirect=True)


@pytest.mark.contract("bodies.content-type")
@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "application/xml"],
    ids=["missing", "text-plain", "form", "xml"],
)
@each_endpoint
def test_body_must_be_sent_as_json(
    client: httpx.Client, endpoint: WriteEndpoint, content_type: str | None
) -> None:
    response = endpoint.send(client, endpoint.valid_bytes(), content_type)
    expect_problem(
        response,
        415,
        "a body must be sent as application/json; any other or a missing Content-Type is 415",
        sent=f"a valid JSON body and Content-Type {content_type or '(missing)'}",
    )


@pytest.mark.contract("bodies.content-type")
@each_endpoint
def test_json_with_charset_is_accepted(client: httpx.Client, endpoint: WriteEndpoint) -> None:
    response = endpoint.send(client, endpoint.valid_bytes(), "application/json; charset=utf-8")
    expect_json(
        response,
        endpoint.success,
        "parameters such as charset=utf-8 are allowed on application/json",
        sent="a valid body as application/json; charset=utf-8",
    )


MALFORMED = {
    "truncated": b'{"name": ',
    "empty": b"",
    "invalid-utf8": b'{"name": "\xff"}',
    "single-quotes": b"{'name': 'x'}",
    "trailing-comma": b'{"name": "x",}',
    "bare-word": b"hello",
    # JSON text is UTF-8 (general.json): other encodings are bytes that are not UTF-8.
    "utf-16": '{"name": "x", "price_cents": 1}'.encode("utf-16"),
    "utf-32": '{"name": "x", "price_cents": 1}'.encode("utf-32"),
    # A raw control character inside a string is not JSON (it must be escaped).
    "raw-nul": b'{"name": "a\x00b", "price_cents": 1}',
}


@pytest.mark.contract("bodies.malformed")
@pytest.mark.parametrize(
    "case",
    attack_cases(
        MALFORMED,
        {
            "invalid-utf8": "encoding.invalid-utf8",
            "utf-16": "encoding.invalid-utf8",
            "utf-32": "encoding.invalid-utf8",
            "raw-nul": "encoding.nul-bytes",
        },
    ),
)
@each_endpoint
def test_malformed_body_is_400(client: httpx.Client, endpoint: WriteEndpoint, case: str) -> None:
    response = endpoint.send(client, MALFORMED[case])
    expect_problem(
        response, 400, f"a body that is not valid JSON ({case}) is 400", sent=f"a {case} body"
    )


@pytest.mark.contract("bodies.not-object", "errors.validation-list")
@pytest.mark.parametrize(
    "content", [b"[]", b'"x"', b"1", b"null"], ids=["array", "string", "number", "null"]
)
@each_endpoint
def test_non_object_body_is_422(
    client: httpx.Client, endpoint: WriteEndpoint, content: bytes
) -> None:
    response = endpoint.send(client, content)
    expect_problem(
        response,
        422,
        'valid JSON that is not an object is 422, with errors[].field "body"',
        fields="body",
    )


def _padded(body: dict[str, Any], size: int) -> bytes:
    """A valid JSON body of exactly ``size`` bytes (JSON allows trailing whitespace)."""
    raw = json.dumps(body).encode()
    assert len(raw) <= size
    return raw + b" " * (size - len(raw))


@pytest.mark.contract("bodies.too-large")
@pytest.mark.attack("size.body")
@each_endpoint
def test_body_over_64_kib_is_413(client: httpx.Client, endpoint: WriteEndpoint) -> None:
    content = _padded(endpoint.valid_body(), 70 * 1024)
    response = endpoint.send(client, content)
    expect_problem(
        response,
        413,
        "a body whose Content-Length is over 65,536 bytes is 413, even if it is valid JSON",
        sent="a valid body padded with spaces to 70 KiB",
    )


@pytest.mark.contract("bodies.too-large")
@pytest.mark.attack("size.body")
@pytest.mark.parametrize(
    ("size", "status"), [(65_536, 201), (65_537, 413)], ids=["at-limit", "one-over"]
)
def test_body_limit_is_exactly_64_kib(
    client: httpx.Client, shared_headers: dict[str, str], size: int, status: int
) -> None:
    content = _padded({"name": support.unique_name(), "price_cents": 1}, size)
    response = client.post("/items", content=content, headers={**shared_headers, **JSON_HEADERS})
    sent = f"a valid body padded with spaces to {size} bytes"
    if status == 201:
        expect_json(response, 201, "only a body over 65,536 bytes is too large", sent=sent)
    else:
        expect_problem(response, 413, "the limit is 65,536 bytes", sent=sent)


def _nested(depth: int, opening: str, closing: str, core: str = "1") -> str:
    return opening * depth + core + closing * depth


HOSTILE_JSON = {
    "nan": '{"name": "x", "price_cents": NaN}',
    "infinity": '{"name": "x", "price_cents": Infinity}',
    "minus-infinity": '{"name": "x", "price_cents": -Infinity}',
    "deep-array": _nested(10_000, "[", "]"),
    "deep-object": _nested(10_000, '{"a":', "}"),
    "deep-member": '{"name": ' + _nested(10_000, "[", "]") + ', "price_cents": 1}',
    "5000-digit-integer": '{"name": "x", "price_cents": ' + "9" * 5000 + "}",
    "5000-digit-float": '{"name": "x", "price_cents": 1.' + "5" * 5000 + "}",
    "huge-exponent": '{"name": "x", "price_cents": 1e999999}',
}


@pytest.mark.contract("bodies.hostile-json", "errors.no-leaks")
@pytest.mark.parametrize(
    "case",
    attack_cases(
        HOSTILE_JSON,
        {
            "nan": "json.nan-infinity",
            "infinity": "json.nan-infinity",
            "minus-infinity": "json.nan-infinity",
            "deep-array": "json.deep-nesting",
            "deep-object": "json.deep-nesting",
            "deep-member": "json.deep-nesting",
            "5000-digit-integer": "json.huge-numbers",
            "5000-digit-float": "json.huge-numbers",
            "huge-exponent": "json.huge-numbers",
        },
    ),
)
@each_endpoint
def test_hostile_json_is_refused_promptly(
    client: httpx.Client, endpoint: WriteEndpoint, case: str
) -> None:
    sent = f"a {case} body"
    try:
        response = endpoint.send(client, HOSTILE_JSON[case].encode())
    except httpx.TimeoutException as exc:
        raise AssertionError(
            f"{endpoint.method} {endpoint.path} with {sent} must be answered promptly "
            f"(bodies.hostile-json); the server did not answer within the client timeout: {exc!r}"
        ) from exc
    check_no_leak(response, sent=sent)
    expect_problem(response, (400, 422), "hostile JSON is 400 or 422, never a 500", sent=sent)
    assert response.elapsed.total_seconds() < 5, (
        f"{endpoint.method} {endpoint.path} with {sent} took {response.elapsed.total_seconds():.1f}"
        " s — hostile JSON must be answered promptly (bodies.hostile-json)"
    )


@pytest.mark.contract("bodies.unknown-members", "errors.validation-list")
@pytest.mark.attack("mass-assignment.read-only")
@pytest.mark.parametrize("member", ["colour", "id", "owner_id", "created_at"])
@each_endpoint
def test_unknown_and_read_only_members_are_422(
    client: httpx.Client, endpoint: WriteEndpoint, member: str
) -> None:
    body = {**endpoint.valid_body(), member: 1}
    response = endpoint.send(client, json.dumps(body).encode())
    expect_problem(
        response,
        422,
        f"{member!r} is not a writable member here; unknown and read-only members are 422 "
        "naming the member",
        fields=member,
    )


def _with_duplicate(body: dict[str, Any], case: str) -> bytes:
    """``body`` as JSON text with its first member written twice."""
    name, value = next(iter(body.items()))
    if case == "same-value-twice":
        first = value
    else:
        # Another value first: a parser that keeps the last one would accept the body.
        first = 7 if isinstance(value, int) else f"decoy{value}"
    raw = json.dumps(body)
    return ("{" + json.dumps({name: first})[1:-1] + ", " + raw[1:]).encode()


@pytest.mark.contract("bodies.duplicate-members", "bodies.rejected-write-changes-nothing")
@pytest.mark.attack("json.duplicate-members")
@pytest.mark.parametrize("case", ["same-value-twice", "decoy-first"])
@each_endpoint
def test_duplicate_members_are_400(
    client: httpx.Client, endpoint: WriteEndpoint, case: str
) -> None:
    before = client.get(endpoint.path).json() if endpoint.method == "PATCH" else None
    content = _with_duplicate(endpoint.valid_body(), case)
    response = endpoint.send(client, content)
    expect_problem(
        response,
        400,
        "a JSON object that names a member twice is 400 — bodies are I-JSON, so the server "
        "never picks one of two values",
        sent=f"the body {content[:120].decode()} ({case})",
    )
    if before is not None:
        after = expect_json(client.get(endpoint.path), 200, "the item still exists")
        assert after == before, (
            f"the refused PATCH changed the item from {before} to {after} "
            "(bodies.rejected-write-changes-nothing)"
        )


# --- bodies.rejected-write-changes-nothing ---------------------------------------------


def _rejected_patches(
    owner: dict[str, str], stranger: dict[str, str], forged: dict[str, str]
) -> dict[str, tuple[dict[str, str], bytes, int]]:
    """name -> (headers, body, expected status) for PATCHes that must change nothing."""
    json_owner = {**owner, **JSON_HEADERS}
    return {
        "bad-price": (json_owner, b'{"name": "changed", "price_cents": -1}', 422),
        "null-price": (json_owner, b'{"name": "changed", "price_cents": null}', 422),
        "unknown-member": (json_owner, b'{"name": "changed", "colour": "red"}', 422),
        "read-only-id": (json_owner, b'{"price_cents": 7, "id": 1}', 422),
        "read-only-owner": (json_owner, b'{"price_cents": 7, "owner_id": 1}', 422),
        "bad-name": (json_owner, b'{"name": "", "price_cents": 7}', 422),
        "malformed": (json_owner, b'{"name": "changed"', 400),
        "text-plain": ({**owner, "Content-Type": "text/plain"}, b'{"name": "changed"}', 415),
        "too-large": (json_owner, _padded({"name": "changed"}, 70 * 1024), 413),
        "other-user": ({**stranger, **JSON_HEADERS}, b'{"name": "changed"}', 403),
        "no-token": (JSON_HEADERS, b'{"name": "changed"}', 401),
        "forged-token": ({**forged, **JSON_HEADERS}, b'{"name": "changed"}', 401),
    }


PATCH_CASES = [
    "bad-price",
    "null-price",
    "unknown-member",
    "read-only-id",
    "read-only-owner",
    "bad-name",
    "malformed",
    "text-plain",
    "too-large",
    "other-user",
    "no-token",
    "forged-token",
]


@pytest.mark.contract("bodies.rejected-write-changes-nothing")
@pytest.mark.parametrize(
    "case",
    attack_cases(
        PATCH_CASES,
        {
            "read-only-id": "mass-assignment.read-only",
            "read-only-owner": "mass-assignment.read-only",
            "other-user": "bola.foreign-item-write",
        },
    ),
)
def test_rejected_patch_changes_nothing(
    client: httpx.Client,
    owner: support.Account,
    owner_headers: dict[str, str],
    item: dict[str, Any],
    shared_headers: dict[str, str],
    case: str,
) -> None:
    forged = support.bearer(
        support.sign_hs256(
            {"sub": str(owner.id), "iat": support.now(), "exp": support.now() + 600},
            "not-the-servers-secret-0123456789abcdef",
        )
    )
    headers, content, status = _rejected_patches(owner_headers, shared_headers, forged)[case]
    response = client.patch(f"/items/{item['id']}", content=content, headers=headers)
    expect_problem(response, status, f"this PATCH is rejected ({case})", sent=f"a {case} request")
    after = expect_json(client.get(f"/items/{item['id']}"), 200, "the item still exists")
    assert after == item, (
        f"PATCH /items/{item['id']} ({case}) was answered {response.status_code} but changed the "
        f"item from {item} to {after} — a rejected write leaves the database as it was "
        "(bodies.rejected-write-changes-nothing)"
    )


@pytest.mark.contract("bodies.rejected-write-changes-nothing")
@pytest.mark.parametrize(
    "case",
    attack_cases(
        ["other-user", "no-token", "forged-token", "basic-scheme"],
        {"other-user": "bola.foreign-item-write"},
    ),
)
def test_rejected_delete_changes_nothing(
    client: httpx.Client,
    owner: support.Account,
    item: dict[str, Any],
    shared_headers: dict[str, str],
    case: str,
) -> None:
    forged = support.sign_hs256(
        {"sub": str(owner.id), "iat": support.now(), "exp": support.now() + 600},
        "not-the-servers-secret-0123456789abcdef",
    )
    headers, status = {
        "other-user": (shared_headers, 403),
        "no-token": ({}, 401),
        "forged-token": (support.bearer(forged), 401),
        "basic-scheme": ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
    }[case]
    response = client.delete(f"/items/{item['id']}", headers=headers)
    expect_problem(response, status, f"this DELETE is rejected ({case})", sent=f"a {case} request")
    after = expect_json(client.get(f"/items/{item['id']}"), 200, "a rejected DELETE keeps the item")
    assert after == item


@pytest.mark.contract("bodies.rejected-write-changes-nothing")
@pytest.mark.attack("mass-assignment.read-only")
def test_rejected_creates_store_nothing(
    client: httpx.Client, new_user: support.Account, auth_headers: dict[str, str]
) -> None:
    marker = support.unique_name("rejected")
    forged = support.sign_hs256(
        {"sub": str(new_user.id), "iat": support.now(), "exp": support.now() + 600},
        "not-the-servers-secret-0123456789abcdef",
    )
    json_auth = {**auth_headers, **JSON_HEADERS}
    attempts: dict[str, tuple[dict[str, str], dict[str, Any], int]] = {
        "bad-price": (json_auth, {"price_cents": -1}, 422),
        "string-price": (json_auth, {"price_cents": "5"}, 422),
        "unknown-member": (json_auth, {"price_cents": 5, "colour": "red"}, 422),
        "read-only-id": (json_auth, {"price_cents": 5, "id": 1}, 422),
        "read-only-owner": (json_auth, {"price_cents": 5, "owner_id": new_user.id}, 422),
        "text-plain": ({**auth_headers, "Content-Type": "text/plain"}, {"price_cents": 5}, 415),
        "no-token": (JSON_HEADERS, {"price_cents": 5}, 401),
        "forged-token": ({**support.bearer(forged), **JSON_HEADERS}, {"price_cents": 5}, 401),
    }
    fence = support.create_item(client, auth_headers, name=f"{marker} fence")
    total = support.total_count(client)
    for case, (headers, extra, status) in attempts.items():
        body = json.dumps({"name": f"{marker} {case}", **extra}).encode()
        response = client.post("/items", content=body, headers=headers)
        expect_problem(response, status, f"this POST is rejected ({case})", sent=f"a {case} body")
    too_large = _padded({"name": f"{marker} too-large", "price_cents": 5}, 70 * 1024)
    response = client.post("/items", content=too_large, headers=json_auth)
    expect_problem(response, 413, "a body over 64 KiB is rejected", sent="a 70 KiB body")

    seen_fence = False
    stored = []
    for entry in support.scan_items(client, support.scan_start(total)):
        if entry["id"] == fence["id"]:
            seen_fence = True
        elif entry["name"].startswith(marker):
            stored.append(entry)
    assert seen_fence, (
        f"the list never showed item {fence['id']} created just before (items.list.ok)"
    )
    assert not stored, (
        f"rejected POST /items requests were stored anyway: {stored} — a rejected write "
        "leaves the database as it was (bodies.rejected-write-changes-nothing)"
    )


@pytest.mark.contract("bodies.rejected-write-changes-nothing")
def test_rejected_registrations_create_no_user(client: httpx.Client) -> None:
    username = support.unique_username()
    rejected: list[tuple[dict[str, str], bytes, int, str]] = [
        (
            JSON_HEADERS,
            json.dumps({"username": username, "password": "short"}).encode(),
            422,
            "short password",
        ),
        (
            JSON_HEADERS,
            json.dumps({"username": username, "password": "password-1", "id": 5}).encode(),
            422,
            "read-only id",
        ),
        (
            {"Content-Type": "text/plain"},
            json.dumps({"username": username, "password": "password-1"}).encode(),
            415,
            "text/plain",
        ),
        (
            JSON_HEADERS,
            _padded({"username": username, "password": "password-1"}, 70 * 1024),
            413,
            "70 KiB",
        ),
    ]
    for headers, content, status, case in rejected:
        response = client.post("/auth/register", content=content, headers=headers)
        expect_problem(response, status, f"this registration is rejected ({case})", sent=case)
    response = client.post("/auth/register", json={"username": username, "password": "password-1"})
    expect_json(
        response,
        201,
        "the earlier registrations of this username were rejected, so none of them may have "
        "created it (bodies.rejected-write-changes-nothing)",
    )
    expect(
        client.post("/auth/token", json={"username": username, "password": "short"}),
        401,
        "the rejected registration's password was never stored",
    )
