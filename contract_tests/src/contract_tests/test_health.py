"""GET /health, with the database up and down."""

from __future__ import annotations

import httpx
import pytest

from contract_tests.support import expect_json, expect_problem

# Servers use a database connect timeout of about 3 s; leave room for that.
PROMPT_SECONDS = 8.0


@pytest.mark.contract("health.ok")
def test_health_is_ok(client: httpx.Client) -> None:
    body = expect_json(
        client.get("/health"), 200, "the database answers, and /health needs no authentication"
    )
    assert body == {"status": "ok", "database": "ok"}, (
        f'GET /health must answer {{"status": "ok", "database": "ok"}} (health.ok); got {body}'
    )


def _down_request(down_client: httpx.Client, method: str, path: str) -> httpx.Response:
    body = None
    if path in {"/auth/register", "/auth/token"}:
        body = {"username": "down_db_user", "password": "password-1"}
    try:
        return down_client.request(method, path, json=body)
    except httpx.TimeoutException as exc:
        raise AssertionError(
            f"{method} {path} on a server whose database is unreachable must answer 503 "
            f"promptly, not hang (health.database-down); the request timed out: {exc!r}"
        ) from exc


@pytest.mark.contract("health.database-down", "errors.problem-json")
def test_health_is_503_when_database_is_down(down_client: httpx.Client) -> None:
    response = _down_request(down_client, "GET", "/health")
    expect_problem(
        response,
        503,
        "the database is unreachable: /health reports it as a 503 problem",
        sent="the database unreachable",
    )
    assert response.elapsed.total_seconds() < PROMPT_SECONDS, (
        f"GET /health took {response.elapsed.total_seconds():.1f} s with the database down; it "
        "must answer promptly (health.database-down)"
    )


@pytest.mark.contract("health.database-down", "errors.problem-json")
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/items"), ("GET", "/items/1"), ("POST", "/auth/register"), ("POST", "/auth/token")],
)
def test_database_endpoints_are_503_when_database_is_down(
    down_client: httpx.Client, method: str, path: str
) -> None:
    response = _down_request(down_client, method, path)
    expect_problem(
        response,
        503,
        "an endpoint that needs the database answers a 503 problem while it is unreachable "
        "(never a 500, never a hang)",
        sent="the database unreachable",
    )
    assert response.elapsed.total_seconds() < PROMPT_SECONDS
