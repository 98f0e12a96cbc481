"""Error mapping, seen through the app on an unreachable database.

Everything here is answered before (or instead of) a database round trip, so no
database is needed; the black-box suite covers the rest over HTTP.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from impl_fastapi.problems import TITLES, FieldError, problem

JSON = {"Content-Type": "application/json"}
BEARER = {"Authorization": "Bearer not-a-jwt"}


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == "about:blank"
    assert body["title"] == TITLES[status]
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert set(body) <= {"type", "title", "status", "detail", "errors"}
    assert ("errors" in body) == (status == 422)
    return body


def test_problem_builder_defaults_title_from_the_contract_table() -> None:
    response = problem(413)
    assert response.media_type == "application/problem+json"
    assert json.loads(bytes(response.body)) == {
        "type": "about:blank",
        "title": "Content Too Large",
        "status": 413,
        "detail": "Content Too Large",
    }


def test_problem_builder_adds_errors_and_escapes_lone_surrogates() -> None:
    response = problem(422, detail="bad", errors=[FieldError(field="\ud800", message="extra")])
    assert b"\\ud800" in response.body
    assert json.loads(bytes(response.body))["errors"] == [{"field": "\ud800", "message": "extra"}]


@pytest.mark.parametrize("path", ["/nope", "/items/", "/health/", "/items/abc", "/items/-1"])
def test_unknown_paths_are_404(client: TestClient, path: str) -> None:
    _problem(client.get(path), 404)


def test_method_not_allowed_lists_every_routed_method(client: TestClient) -> None:
    response = client.put("/items", json={})
    _problem(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} >= {"GET", "POST"}


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/merge-patch+json"])
def test_non_json_content_type_is_415(client: TestClient, content_type: str | None) -> None:
    headers = {**BEARER, **({"Content-Type": content_type} if content_type else {})}
    response = client.post("/items", content=b'{"name": "x", "price_cents": 1}', headers=headers)
    _problem(response, 415)


@pytest.mark.parametrize(
    "content", [b"", b'{"name": ', b'{"name": "\xff"}', b"[" * 30_000 + b"]" * 30_000]
)
def test_malformed_json_is_400(client: TestClient, content: bytes) -> None:
    response = client.post("/auth/register", content=content, headers=JSON)
    _problem(response, 400)


def test_body_over_64_kib_is_413_before_reading_it(client: TestClient) -> None:
    response = client.post("/auth/register", content=b"x" * 65_537, headers=JSON)
    _problem(response, 413)


@pytest.mark.parametrize(
    ("content", "fields"),
    [
        (b"[]", {"body"}),
        (b"null", {"body"}),
        (b'{"username": "ab", "password": 12345678}', {"username", "password"}),
        (b'{"username": "abc", "password": "password", "id": 1}', {"id"}),
        (b'{"username": "abc", "password": NaN}', {"password"}),
    ],
)
def test_validation_errors_name_the_member(
    client: TestClient, content: bytes, fields: set[str]
) -> None:
    body = _problem(client.post("/auth/register", content=content, headers=JSON), 422)
    assert {error["field"] for error in body["errors"]} == fields


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=", "limit"), ("limit=5.0", "limit"), ("limit=101", "limit"), ("offset=-1", "offset")],
)
def test_bad_pagination_is_422_naming_the_parameter(
    client: TestClient, query: str, field: str
) -> None:
    body = _problem(client.get(f"/items?{query}"), 422)
    assert [error["field"] for error in body["errors"]] == [field]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic YTpi"}, BEARER])
def test_missing_or_invalid_credentials_are_401_with_bearer_challenge(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = client.get("/me", headers=headers)
    _problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path"), [("GET", "/health"), ("GET", "/items")])
def test_unreachable_database_is_503(client: TestClient, method: str, path: str) -> None:
    _problem(client.request(method, path), 503)


def test_unexpected_errors_are_500_without_details(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    body = _problem(response, 500)
    assert "secret" not in response.text
    assert body["detail"] == "An unexpected error occurred."


@pytest.mark.parametrize(
    ("target", "status"),
    [
        # 8,193 bytes as sent, 2,737 once decoded: the limit counts what was sent.
        ("/items/" + "%41" * 2728 + "11", 414),
        ("/items?pad=" + "%41" * 2727 + "a", 414),
        ("/items?pad=" + "a" * (8192 - 11), 503),  # at the limit: served (no database here)
    ],
)
def test_request_target_limit_counts_the_raw_bytes(
    client: TestClient, target: str, status: int
) -> None:
    assert len(target) == (8192 if status == 503 else 8193)
    _problem(client.get(target), status)
