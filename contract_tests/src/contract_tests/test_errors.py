"""Error bodies: problem+json everywhere, the 422 errors list, nothing leaked."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import pytest

from contract_tests import support
from contract_tests.attacks import attack_cases
from contract_tests.support import JSON_HEADERS, check_no_leak, expect_problem


def _provoke(
    status: int, client: httpx.Client, shared: support.Account, headers: dict[str, str]
) -> httpx.Response:
    """Send a request whose only fault makes the server answer ``status``."""
    if status == 400:
        return client.post("/items", content=b'{"name": ', headers={**headers, **JSON_HEADERS})
    if status == 401:
        return client.get("/me")
    if status == 403:
        owner = support.register(client)
        item = support.create_item(client, owner.headers(client))
        return client.patch(f"/items/{item['id']}", json={"price_cents": 1}, headers=headers)
    if status == 404:
        return client.get("/does-not-exist")
    if status == 405:
        return client.put("/items", json={}, headers=headers)
    if status == 409:
        return client.post(
            "/auth/register", json={"username": shared.username, "password": "another-password"}
        )
    if status == 413:
        body = b'{"name": "' + b"x" * (70 * 1024) + b'", "price_cents": 1}'
        return client.post("/items", content=body, headers={**headers, **JSON_HEADERS})
    if status == 415:
        body = b'{"name": "x", "price_cents": 1}'
        return client.post(
            "/items", content=body, headers={**headers, "Content-Type": "text/plain"}
        )
    assert status == 422
    return client.post("/items", json={}, headers=headers)


@pytest.mark.contract("errors.problem-json")
@pytest.mark.attack("errors.no-leaks")
@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 413, 415, 422])
def test_errors_are_problem_json(
    client: httpx.Client,
    shared_user: support.Account,
    shared_headers: dict[str, str],
    status: int,
) -> None:
    response = _provoke(status, client, shared_user, shared_headers)
    body = expect_problem(
        response, status, f"this request's one fault is a {status} ({support.TITLES[status]})"
    )
    assert body["title"] == support.TITLES[status]


@pytest.mark.contract("errors.validation-list")
@pytest.mark.parametrize(
    ("case", "method", "path", "content", "field"),
    [
        ("member", "POST", "/items", b'{"name": "x", "price_cents": "5"}', "price_cents"),
        (
            "unknown-member",
            "POST",
            "/items",
            b'{"name": "x", "price_cents": 5, "colour": 1}',
            "colour",
        ),
        ("not-object", "POST", "/items", b"[]", "body"),
        ("query-limit", "GET", "/items?limit=0", None, "limit"),
        ("query-offset", "GET", "/items?offset=-1", None, "offset"),
    ],
)
def test_validation_errors_name_the_field(
    client: httpx.Client,
    shared_headers: dict[str, str],
    case: str,
    method: str,
    path: str,
    content: bytes | None,
    field: str,
) -> None:
    headers = {**shared_headers, **JSON_HEADERS} if content is not None else {}
    response = client.request(method, path, content=content, headers=headers)
    expect_problem(
        response,
        422,
        f"the request is well-formed but invalid, and the errors list names {field!r}",
        fields=field,
    )


@dataclass(frozen=True)
class Hostile:
    method: str
    path: str
    content: bytes | None = None
    statuses: tuple[int, ...] = (400, 422)
    headers: dict[str, str] = field(default_factory=dict)
    authenticated: bool = True


HOSTILE = {
    "lone-surrogate-name": Hostile("POST", "/items", b'{"name": "\\ud800", "price_cents": 1}'),
    "lone-surrogate-username": Hostile(
        "POST", "/auth/register", b'{"username": "ab\\udfff", "password": "password-1"}'
    ),
    "lone-surrogate-password": Hostile(
        "POST",
        "/auth/register",
        b'{"username": "{u}", "password": "pass\\ud800word"}',
        # A lone surrogate is a code point, so a server that can hash it may accept it.
        (201, 400, 422),
    ),
    "lone-surrogate-login": Hostile(
        "POST",
        "/auth/token",
        b'{"username": "nobody_here", "password": "pass\\ud800word"}',
        (400, 401, 422),
    ),
    "escaped-nul-name": Hostile(
        "POST", "/items", b'{"name": "a\\u0000b", "price_cents": 1}', (422,)
    ),
    "nul-in-path": Hostile("GET", "/items/%00", statuses=(404,)),
    "slash-in-id": Hostile("GET", "/items/1%2F2", statuses=(404,)),
    "euro-in-id": Hostile("GET", "/items/%E2%82%AC", statuses=(404,)),
    "nul-limit": Hostile("GET", "/items?limit=%00", statuses=(422,)),
    "bad-percent-limit": Hostile("GET", "/items?limit=%ZZ", statuses=(400, 422)),
    "huge-offset": Hostile("GET", "/items?offset=" + "9" * 40, statuses=(422,)),
    "huge-token": Hostile(
        "GET", "/me", statuses=(401,), headers={"Authorization": "Bearer " + "a" * 5000}
    ),
    "long-name": Hostile(
        "POST", "/items", b'{"name": "' + b"n" * 60000 + b'", "price_cents": 1}', (422,)
    ),
    "huge-id-patch": Hostile("PATCH", "/items/" + "9" * 40, b'{"price_cents": 1}', (404,)),
}


@pytest.mark.contract("errors.no-leaks")
@pytest.mark.parametrize(
    "case",
    attack_cases(
        HOSTILE,
        {
            "lone-surrogate-name": "errors.no-leaks",
            "lone-surrogate-username": "errors.no-leaks",
            "lone-surrogate-password": "errors.no-leaks",
            "lone-surrogate-login": "errors.no-leaks",
            "escaped-nul-name": "encoding.nul-bytes",
            "nul-in-path": "encoding.nul-bytes",
            "slash-in-id": "errors.no-leaks",
            "euro-in-id": "errors.no-leaks",
            "nul-limit": "encoding.nul-bytes",
            "bad-percent-limit": "errors.no-leaks",
            "huge-offset": "pagination.out-of-range",
            "huge-token": "size.long-values",
            "long-name": "size.long-values",
            "huge-id-patch": "errors.no-leaks",
        },
    ),
)
def test_client_input_never_leaks(
    client: httpx.Client, shared_headers: dict[str, str], case: str
) -> None:
    hostile = HOSTILE[case]
    headers = dict(shared_headers) if hostile.authenticated else {}
    if hostile.content is not None:
        headers.update(JSON_HEADERS)
    headers.update(hostile.headers)
    content = hostile.content
    if content is not None:
        content = content.replace(b"{u}", support.unique_username().encode())
    response = client.request(hostile.method, hostile.path, content=content, headers=headers)
    check_no_leak(response)
    if response.status_code < 300 and response.status_code in hostile.statuses:
        return
    expect_problem(
        response,
        hostile.statuses,
        "hostile client input is refused with a 4xx problem, never a 500, HTML or a traceback",
    )
