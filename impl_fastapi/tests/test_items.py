"""Item writes that race each other or lose their owner, through the app on a real database.

The black-box suite races real servers; these run in-process (requests from threads
into the test client's event loop, each on its own pooled connection), so a broken
lock shows in a second, with the traceback.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from impl_fastapi.app import create_app
from impl_fastapi.deps import get_current_user
from impl_fastapi.models import User
from shared_db import Settings
from shared_db.urls import libpq_url

ROUNDS = 10


def _login(client: TestClient) -> dict[str, str]:
    credentials = {"username": f"user_{uuid.uuid4().hex[:12]}", "password": "password-123"}
    assert client.post("/auth/register", json=credentials).status_code == 201
    token = client.post("/auth/token", json=credentials).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _create(client: TestClient, headers: dict[str, str]) -> int:
    response = client.post("/items", json={"name": "racer", "price_cents": 1}, headers=headers)
    assert response.status_code == 201, response.text
    item_id: int = response.json()["id"]
    return item_id


def _race(
    client: TestClient, calls: list[tuple[str, str, dict[str, Any] | None]], headers: dict[str, str]
) -> list[httpx.Response]:
    """Send ``calls`` at once (released together by a barrier)."""
    start = threading.Barrier(len(calls))

    def send(call: tuple[str, str, dict[str, Any] | None]) -> httpx.Response:
        method, path, body = call
        start.wait()
        response: httpx.Response = client.request(method, path, json=body, headers=headers)
        return response

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, calls))


def test_racing_deletes_give_one_204(db_client: TestClient) -> None:
    headers = _login(db_client)
    for _ in range(ROUNDS):
        path = f"/items/{_create(db_client, headers)}"
        responses = _race(db_client, [("DELETE", path, None)] * 3, headers)
        assert Counter(r.status_code for r in responses) == {204: 1, 404: 2}


def test_patch_racing_delete_is_200_or_404_and_never_brings_it_back(
    db_client: TestClient,
) -> None:
    headers = _login(db_client)
    for _ in range(ROUNDS):
        path = f"/items/{_create(db_client, headers)}"
        patch, delete = _race(
            db_client, [("PATCH", path, {"name": "renamed"}), ("DELETE", path, None)], headers
        )
        assert delete.status_code == 204
        assert patch.status_code in {200, 404}, patch.text
        if patch.status_code == 200:
            assert patch.json()["name"] == "renamed"
        assert db_client.get(path).status_code == 404


def test_patches_of_different_members_both_survive(db_client: TestClient) -> None:
    headers = _login(db_client)
    for _ in range(ROUNDS):
        path = f"/items/{_create(db_client, headers)}"
        responses = _race(
            db_client,
            [("PATCH", path, {"name": "renamed"}), ("PATCH", path, {"price_cents": 99})],
            headers,
        )
        assert [r.status_code for r in responses] == [200, 200]
        stored = db_client.get(path).json()
        assert (stored["name"], stored["price_cents"]) == ("renamed", 99)


@pytest.fixture
def ghost_client(migrated_database_url: str) -> Iterator[TestClient]:
    """The app on one pooled connection, whose token check passes for a user that is gone:
    the moment between the token's check and the write, made to last."""
    settings = Settings(database_url=migrated_database_url, db_pool_size=1)
    app = create_app(settings)
    ghost = User(id=2**62, username="ghost", password_hash="x", created_at=datetime.now(UTC))
    app.dependency_overrides[get_current_user] = lambda: ghost
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_create_for_a_vanished_owner_is_401_and_the_connection_is_reused(
    ghost_client: TestClient,
) -> None:
    response = ghost_client.post("/items", json={"name": "orphan", "price_cents": 1})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    # The failed INSERT's transaction was rolled back: the pool's one connection serves on.
    app = ghost_client.app
    assert isinstance(app, FastAPI)
    app.dependency_overrides.clear()
    headers = _login(ghost_client)
    assert ghost_client.get("/items?limit=1").status_code == 200
    _create(ghost_client, headers)


def test_writes_of_a_user_deleted_behind_the_api_are_401(
    db_client: TestClient, migrated_database_url: str
) -> None:
    headers = _login(db_client)
    item_id = _create(db_client, headers)
    user_id = db_client.get("/me", headers=headers).json()["id"]
    with psycopg.connect(libpq_url(migrated_database_url), autocommit=True) as conn:
        conn.execute("DELETE FROM users WHERE id = %s", (user_id,))
    path = f"/items/{item_id}"
    create = db_client.post("/items", json={"name": "x", "price_cents": 1}, headers=headers)
    assert create.status_code == 401
    assert db_client.patch(path, json={"name": "x"}, headers=headers).status_code == 401
    assert db_client.delete(path, headers=headers).status_code == 401
    assert db_client.get(path).status_code == 404
