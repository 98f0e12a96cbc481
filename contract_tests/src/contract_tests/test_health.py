"""GET /health, with the database up and down."""

from __future__ import annotations

import httpx
import pytest

from contract_tests.support import expect_json, expect_problem

# Servers use a database connect timeout of about 3 s; leave room for that.
PROMPT_SECONDS = 8.0
DOWN_REQUESTS = [
    ("GET", "/health"),
    ("GET", "/items"),
    ("GET", "/items/1"),
    ("POST", "/auth/register"),
    ("POST", "/auth/token"),
]


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
def test_database_down_is_503(down_client: httpx.Client) -> None:
    # One test sends every request, one after another: a server with a single sync
    # worker would otherwise queue parallel requests and look slow.
    for method, path in DOWN_REQUESTS:
        response = _down_request(down_client, method, path)
        why = (
            "the database is unreachable: /health reports it as a 503 problem"
            if path == "/health"
            else "an endpoint that needs the database answers a 503 problem while it is "
            "unreachable (never a 500, never a hang)"
        )
        expect_problem(response, 503, why, sent="the database unreachable")
        elapsed = response.elapsed.total_seconds()
        assert elapsed < PROMPT_SECONDS, (
            f"{method} {path} took {elapsed:.1f} s with the database down; it must answer "
            f"within {PROMPT_SECONDS:.0f} s (a connect timeout of about 3 s), never hang "
            "(health.database-down)"
        )
