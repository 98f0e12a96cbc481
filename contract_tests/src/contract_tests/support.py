"""Assertions and helpers shared by the contract tests.

Every check goes through :func:`expect` (or one of the helpers built on it), so a
failure always reads the same way: the request that was sent, what the contract
requires and why, the rule id, and what actually came back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
import warnings
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
from jwt.warnings import InsecureKeyLengthWarning

TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,32}$")

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

USER_MEMBERS = frozenset({"id", "username", "created_at"})
ITEM_MEMBERS = frozenset({"id", "name", "price_cents", "owner_id", "created_at"})
TOKEN_MEMBERS = frozenset({"access_token", "token_type", "expires_in"})
PROBLEM_MEMBERS = frozenset({"type", "title", "status", "detail"})
MAX_INT32 = 2_147_483_647
MAX_BIGINT = 9_223_372_036_854_775_807
BODY_LIMIT = 65_536

# The rule ids of the test being run, set by an autouse fixture in conftest.py so
# every failure message names the rule without each call repeating it.
_current_rules: tuple[str, ...] = ()


def set_current_rules(rules: tuple[str, ...]) -> None:
    global _current_rules
    _current_rules = rules


# --- describing requests and responses -----------------------------------------


def _snippet(data: bytes | str, limit: int) -> str:
    text = data.decode("utf-8", "backslashreplace") if isinstance(data, bytes) else data
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


def describe_request(request: httpx.Request, sent: str | None = None) -> str:
    target = request.url.raw_path.decode("ascii", "replace")
    text = f"{request.method} {target}"
    if sent:
        return f"{text} with {sent}"
    body = request.content
    if body:
        return f"{text} with body {_snippet(body, 120)}"
    return text


def describe_response(response: httpx.Response) -> str:
    content_type = response.headers.get("content-type", "no Content-Type")
    body = _snippet(response.content, 300) if response.content else "(empty body)"
    return f"{response.status_code} ({content_type}): {body}"


def _rules_suffix() -> str:
    return f" [rule {', '.join(_current_rules)}]" if _current_rules else ""


def fail(response: httpx.Response, requirement: str, *, sent: str | None = None) -> None:
    """Fail with ``<request> must <requirement>; got <response> [rule ...]``."""
    __tracebackhide__ = True
    raise AssertionError(
        f"{describe_request(response.request, sent)} must {requirement}{_rules_suffix()}; "
        f"got {describe_response(response)}"
    )


def _status_text(status: int | Collection[int]) -> str:
    if isinstance(status, int):
        return str(status)
    return " or ".join(str(s) for s in sorted(status))


# --- the assertion helpers -------------------------------------------------------


def expect(
    response: httpx.Response,
    status: int | Collection[int],
    why: str,
    *,
    sent: str | None = None,
) -> httpx.Response:
    """Check the status code; ``why`` says what the contract requires and why."""
    __tracebackhide__ = True
    allowed = {status} if isinstance(status, int) else set(status)
    if response.status_code not in allowed:
        fail(response, f"be {_status_text(status)} — {why}", sent=sent)
    return response


def media_type(response: httpx.Response) -> tuple[str, dict[str, str]]:
    raw = response.headers.get("content-type", "")
    kind, *params = raw.split(";")
    parsed: dict[str, str] = {}
    for param in params:
        key, _, value = param.partition("=")
        parsed[key.strip().lower()] = value.strip().strip('"').lower()
    return kind.strip().lower(), parsed


def json_body(response: httpx.Response, *, sent: str | None = None) -> Any:
    __tracebackhide__ = True
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        fail(response, "have a JSON body (general.json)", sent=sent)


def expect_json(
    response: httpx.Response,
    status: int | Collection[int],
    why: str,
    *,
    sent: str | None = None,
) -> Any:
    """Check the status, ``Content-Type: application/json`` and return the body."""
    __tracebackhide__ = True
    expect(response, status, why, sent=sent)
    kind, params = media_type(response)
    extra = set(params) - {"charset"}
    if kind != "application/json" or params.get("charset", "utf-8") != "utf-8" or extra:
        fail(
            response,
            "answer with Content-Type: application/json (a charset=utf-8 parameter is "
            "allowed, nothing else) — successful bodies are JSON in UTF-8 (general.json)",
            sent=sent,
        )
    return json_body(response, sent=sent)


def expect_problem(
    response: httpx.Response,
    status: int | Collection[int],
    why: str,
    *,
    sent: str | None = None,
    fields: str | Collection[str] = (),
) -> dict[str, Any]:
    """Check an error answer: status, problem+json body, and on 422 the fields named.

    ``fields`` lists members or query parameters the ``errors`` list must name.
    """
    __tracebackhide__ = True
    expect(response, status, why, sent=sent)
    check_problem(response, sent=sent)
    body: dict[str, Any] = response.json()
    wanted = [fields] if isinstance(fields, str) else list(fields)
    if wanted and response.status_code == 422:
        named = {e["field"] for e in body["errors"]}
        missing = [f for f in wanted if f not in named]
        if missing:
            fail(
                response,
                f"name {', '.join(repr(m) for m in missing)} in errors[].field — a 422 names "
                "the offending member or query parameter (errors.validation-list)",
                sent=sent,
            )
    return body


def check_problem(response: httpx.Response, *, sent: str | None = None) -> None:
    """The shape every 4xx/5xx body must have (errors.problem-json, errors.validation-list)."""
    __tracebackhide__ = True
    status = response.status_code
    kind, _ = media_type(response)
    if kind != "application/problem+json":
        fail(
            response,
            f"answer a {status} with Content-Type: application/problem+json (RFC 9457) — "
            "every error is a problem body (errors.problem-json)",
            sent=sent,
        )
    body = json_body(response, sent=sent)
    if not isinstance(body, dict):
        fail(response, "answer an error with a JSON object (errors.problem-json)", sent=sent)
    allowed = PROBLEM_MEMBERS | ({"errors"} if status == 422 else set())
    keys = set(body)
    if not keys >= PROBLEM_MEMBERS or not keys <= allowed:
        fail(
            response,
            f"have exactly the members {sorted(allowed)} in a {status} problem body "
            f"(errors.problem-json); missing {sorted(PROBLEM_MEMBERS - keys)}, "
            f"extra {sorted(keys - allowed)}",
            sent=sent,
        )
    if body["type"] != "about:blank":
        fail(response, 'have "type": "about:blank" in the problem body (errors.problem-json)')
    if type(body["status"]) is not int or body["status"] != status:
        fail(
            response,
            f'have "status": {status} (an integer equal to the HTTP status) in the problem '
            "body (errors.problem-json)",
            sent=sent,
        )
    title = TITLES.get(status)
    if (title is not None and body["title"] != title) or not isinstance(body["title"], str):
        fail(
            response,
            f'have "title": {title!r} for {status}, the phrase from the contract\'s table '
            "(errors.problem-json)",
            sent=sent,
        )
    if not isinstance(body["detail"], str):
        fail(response, 'have "detail" as a string (errors.problem-json)', sent=sent)
    if status == 422:
        errors = body.get("errors")
        well_formed = (
            isinstance(errors, list)
            and len(errors) > 0
            and all(
                isinstance(e, dict)
                and set(e) == {"field", "message"}
                and isinstance(e["field"], str)
                and isinstance(e["message"], str)
                for e in errors
            )
        )
        if not well_formed:
            fail(
                response,
                'carry "errors": a non-empty list of {"field": str, "message": str} objects '
                "(nothing else in them) on a 422 (errors.validation-list)",
                sent=sent,
            )


def expect_unauthorized(
    response: httpx.Response, why: str, *, sent: str | None = None
) -> dict[str, Any]:
    """401 with a problem body and a ``WWW-Authenticate`` header starting with Bearer."""
    __tracebackhide__ = True
    body = expect_problem(response, 401, why, sent=sent)
    challenge = response.headers.get("www-authenticate", "")
    if not challenge.startswith("Bearer"):
        fail(
            response,
            "send a WWW-Authenticate header starting with 'Bearer' with a 401 "
            f"(auth.bearer.required); the header was {challenge!r}",
            sent=sent,
        )
    return body


def check_no_leak(response: httpx.Response, *, sent: str | None = None) -> None:
    """No 500, no HTML page, no traceback (errors.no-leaks)."""
    __tracebackhide__ = True
    kind, _ = media_type(response)
    text = response.content.decode("utf-8", "replace")
    if response.status_code >= 500:
        fail(response, "not be a 5xx — client input never causes a server error", sent=sent)
    if kind == "text/html" or "<html" in text.lower()[:500]:
        fail(response, "not answer with an HTML page (errors.no-leaks)", sent=sent)
    if "Traceback (most recent call last)" in text:
        fail(response, "not leak a traceback (errors.no-leaks)", sent=sent)


# --- resource shapes ----------------------------------------------------------------


def _is_int(value: object) -> bool:
    return type(value) is int


def check_timestamp(value: object, where: str) -> None:
    __tracebackhide__ = True
    if not isinstance(value, str) or not TIMESTAMP_RE.match(value):
        raise AssertionError(
            f"{where}: created_at must be written YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC, six "
            f"fractional digits, a literal Z) (general.timestamps); got {value!r}"
            f"{_rules_suffix()}"
        )


def _check_members(obj: object, members: frozenset[str], what: str, where: str) -> None:
    __tracebackhide__ = True
    if not isinstance(obj, dict) or set(obj) != members:
        got = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        raise AssertionError(
            f"{where}: {'an' if what[0] in 'AEIOU' else 'a'} {what} has exactly the members "
            f"{sorted(members)} "
            f"(general.exact-members); got {got}: {_snippet(json.dumps(obj), 300)}"
            f"{_rules_suffix()}"
        )


def check_user(obj: object, where: str) -> dict[str, Any]:
    __tracebackhide__ = True
    _check_members(obj, USER_MEMBERS, "User", where)
    assert isinstance(obj, dict)
    if not _is_int(obj["id"]) or not isinstance(obj["username"], str):
        raise AssertionError(
            f"{where}: a User is {{id: int, username: str, created_at}}; got {obj}{_rules_suffix()}"
        )
    check_timestamp(obj["created_at"], where)
    return obj


def check_item(obj: object, where: str) -> dict[str, Any]:
    __tracebackhide__ = True
    _check_members(obj, ITEM_MEMBERS, "Item", where)
    assert isinstance(obj, dict)
    types_ok = (
        _is_int(obj["id"])
        and isinstance(obj["name"], str)
        and _is_int(obj["price_cents"])
        and _is_int(obj["owner_id"])
    )
    if not types_ok:
        raise AssertionError(
            f"{where}: an Item is {{id: int, name: str, price_cents: int, owner_id: int, "
            f"created_at}} (JSON integers, not strings or floats); got {obj}{_rules_suffix()}"
        )
    check_timestamp(obj["created_at"], where)
    return obj


def parse_timestamp(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


# --- users, tokens and items through the API ---------------------------------------


def unique_username(prefix: str = "ct") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:24]}"
    assert USERNAME_RE.match(name)
    return name


def unique_name(prefix: str = "item") -> str:
    return f"{prefix} {uuid.uuid4().hex}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Account:
    """A user registered through the API, with its password and a cached token."""

    id: int
    username: str
    password: str
    user: dict[str, Any]
    _token: str | None = field(default=None, repr=False)
    _token_refresh_at: float = field(default=0.0, repr=False)

    def headers(self, client: httpx.Client) -> dict[str, str]:
        """Authorization headers, logging in again once half the token's life is gone."""
        if self._token is None or time.monotonic() >= self._token_refresh_at:
            issued = issue_token(client, self.username, self.password)
            self._token = issued["access_token"]
            self._token_refresh_at = time.monotonic() + issued["expires_in"] / 2
        return bearer(self._token)


def register(
    client: httpx.Client, username: str | None = None, password: str | None = None
) -> Account:
    username = username or unique_username()
    password = password or f"pw-{uuid.uuid4().hex}"
    response = client.post("/auth/register", json={"username": username, "password": password})
    user = check_user(
        expect_json(response, 201, "registering a fresh, valid username succeeds"),
        "POST /auth/register response",
    )
    return Account(id=user["id"], username=username, password=password, user=user)


def issue_token(client: httpx.Client, username: str, password: str) -> dict[str, Any]:
    response = client.post("/auth/token", json={"username": username, "password": password})
    body: dict[str, Any] = expect_json(response, 200, "a registered user logs in with its password")
    if not isinstance(body, dict) or set(body) != TOKEN_MEMBERS:
        fail(response, f"answer exactly {sorted(TOKEN_MEMBERS)} (auth.token.issued)")
    return body


def create_item(
    client: httpx.Client,
    headers: dict[str, str],
    name: str | None = None,
    price_cents: int = 1999,
) -> dict[str, Any]:
    body = {"name": name if name is not None else unique_name(), "price_cents": price_cents}
    response = client.post("/items", json=body, headers=headers)
    return check_item(
        expect_json(response, 201, "a valid item from an authenticated user is created"),
        "POST /items response",
    )


def get_item(client: httpx.Client, item_id: int) -> httpx.Response:
    return client.get(f"/items/{item_id}")


def total_count(client: httpx.Client) -> int:
    response = client.get("/items", params={"limit": 1})
    expect_json(response, 200, "listing items needs no authentication")
    raw = response.headers.get("x-total-count", "")
    if not raw.isdigit():
        fail(response, "carry an X-Total-Count header with the number of items (items.list.ok)")
    return int(raw)


def scan_items(client: httpx.Client, start: int) -> Iterator[dict[str, Any]]:
    """Yield every item from offset ``start`` to the current end of the list.

    Tests look for their own items near the end of the table (never assuming it is
    small or that other tests are idle): read X-Total-Count before creating, then
    scan from a little before that point.
    """
    offset = max(start, 0)
    while True:
        response = client.get("/items", params={"limit": 100, "offset": offset})
        page = expect_json(response, 200, "listing items with limit=100 is valid")
        if not page:
            return
        yield from page
        offset += len(page)


def scan_start(total: int) -> int:
    """Where to start scanning so that concurrent deletions cannot hide new items."""
    return max(total - 100, 0)


# --- raw bodies and tokens -------------------------------------------------------------


def raw_json(text: str) -> bytes:
    return text.encode("utf-8")


JSON_HEADERS = {"Content-Type": "application/json"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def craft_token(header: dict[str, Any], claims: dict[str, Any], secret: str | None) -> str:
    """Build a JWS by hand, signed with HMAC-SHA256/512 as the header says (or unsigned).

    Hand-built so the suite can write headers a JWT library refuses to produce.
    """
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    if secret is None:
        return f"{signing_input}."
    digest = hashlib.sha512 if header.get("alg") == "HS512" else hashlib.sha256
    signature = hmac.new(secret.encode(), signing_input.encode(), digest).digest()
    return f"{signing_input}.{_b64(signature)}"


def sign_hs256(claims: dict[str, Any], secret: str) -> str:
    with warnings.catch_warnings():
        # The key is whatever the servers use; its length is not the suite's concern.
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, secret, algorithm="HS256")


def decode_hs256(token: str, secret: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a token as the contract describes it; return (header, claims)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"require": ["sub", "iat", "exp"]},
        )
    return jwt.get_unverified_header(token), claims


def now() -> int:
    return int(time.time())
