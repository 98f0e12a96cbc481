"""Error mapping, checked without a database: every error is problem+json."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

PROBLEM_MEMBERS = {"type", "title", "status", "detail"}


def assert_problem(response: TestResponse, status: int, title: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json(force=True)
    assert body["type"] == "about:blank"
    assert body["title"] == title
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    return body


@pytest.mark.parametrize(
    "path",
    [
        "/nope",
        "/items/",
        "/items/abc",
        "/items/-1",
        "/items/1.5",
        "/items/9223372036854775808",
        "/static/x",
    ],
)
def test_unknown_paths_are_404(client: FlaskClient, path: str) -> None:
    body = assert_problem(client.get(path), 404, "Not Found")
    assert set(body) == PROBLEM_MEMBERS


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", "/items", {"GET", "POST"}),
        ("delete", "/health", {"GET"}),
        ("get", "/auth/register", {"POST"}),
        ("put", "/items/1", {"GET", "PATCH", "DELETE"}),
    ],
)
def test_wrong_method_is_405_with_allow(
    client: FlaskClient, method: str, path: str, allowed: set[str]
) -> None:
    response = getattr(client, method)(path)
    assert_problem(response, 405, "Method Not Allowed")
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_body_over_64_kib_is_413(client: FlaskClient) -> None:
    body = b'{"username": "' + b"a" * 70_000 + b'"}'
    response = client.post("/auth/register", data=body, content_type="application/json")
    assert_problem(response, 413, "Content Too Large")


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/merge-patch+json"])
def test_body_not_sent_as_json_is_415(client: FlaskClient, content_type: str | None) -> None:
    response = client.post("/auth/register", data=b"{}", content_type=content_type)
    assert_problem(response, 415, "Unsupported Media Type")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"\xff\xfe{}",
        b'{"username": NaN}',
        b'{"username": Infinity}',
        b'{"username": ' + b"1" * 5000 + b"}",
        b"[" * 10_000 + b"]" * 10_000,
        b'{"username": "\\ud800"}',
    ],
)
def test_malformed_or_hostile_json_is_400(client: FlaskClient, raw: bytes) -> None:
    response = client.post(
        "/auth/register", data=raw, content_type="application/json; charset=utf-8"
    )
    assert_problem(response, 400, "Bad Request")


@pytest.mark.parametrize("raw", [b"[]", b'"x"', b"1", b"null"])
def test_json_that_is_not_an_object_is_422_on_body(client: FlaskClient, raw: bytes) -> None:
    response = client.post("/auth/register", data=raw, content_type="application/json")
    body = assert_problem(response, 422, "Unprocessable Content")
    assert [error["field"] for error in body["errors"]] == ["body"]


def test_validation_errors_name_each_member(client: FlaskClient) -> None:
    response = client.post("/auth/register", json={"username": "A", "password": 12345678, "id": 1})
    body = assert_problem(response, 422, "Unprocessable Content")
    assert set(body) == PROBLEM_MEMBERS | {"errors"}
    assert {error["field"] for error in body["errors"]} == {"username", "password", "id"}
    assert all(isinstance(error["message"], str) for error in body["errors"])


@pytest.mark.parametrize("query", ["limit=abc", "limit=", "limit=1.5", "limit=0", "offset=-1"])
def test_bad_pagination_is_422_naming_the_parameter(client: FlaskClient, query: str) -> None:
    body = assert_problem(client.get(f"/items?{query}"), 422, "Unprocessable Content")
    assert [error["field"] for error in body["errors"]] == [query.split("=")[0]]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer not-a-jwt"}],
)
def test_missing_or_bad_token_is_401_with_bearer_challenge(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    response = client.get("/me", headers=headers)
    assert_problem(response, 401, "Unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_database_unreachable_is_503(client: FlaskClient) -> None:
    assert_problem(client.get("/items"), 503, "Service Unavailable")


def test_unexpected_error_is_500_without_traceback(app: Flask) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    body = assert_problem(response, 500, "Internal Server Error")
    assert "secret" not in response.get_data(as_text=True)
    assert set(body) == PROBLEM_MEMBERS
