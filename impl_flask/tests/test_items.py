"""Writes of one item that race, made deterministic: another transaction holds the row.

The black-box suite races real requests and counts what goes wrong; these tests
take the row lock from a second connection first, start a request, and let the
other transaction finish while the request waits, so each interleaving the suite
can only hope to hit happens every time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from werkzeug.test import TestResponse

from impl_flask.db import EXTENSION_KEY
from shared_db.urls import libpq_url

WAIT_SECONDS = 10.0


@pytest.fixture
def other(database_url: str) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    """A second connection, in a transaction of its own: the racing writer."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        yield conn


def item_of(client: FlaskClient, headers: dict[str, str]) -> dict[str, Any]:
    created = client.post("/items", json={"name": "raced", "price_cents": 100}, headers=headers)
    assert created.status_code == 201
    item: dict[str, Any] = created.get_json()
    return item


def while_blocked(
    app: Flask,
    database_url: str,
    request: Callable[[FlaskClient], TestResponse],
    then: Callable[[], None],
) -> TestResponse:
    """Send ``request`` from a thread; once it waits on a lock, run ``then``; its answer."""
    answer: list[TestResponse] = []
    thread = threading.Thread(target=lambda: answer.append(request(app.test_client())))
    thread.start()
    with psycopg.connect(libpq_url(database_url), autocommit=True) as watcher:
        deadline = time.monotonic() + WAIT_SECONDS
        while not watcher.execute(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        ).fetchone():
            assert time.monotonic() < deadline, "the request never waited for the row lock"
            time.sleep(0.01)
    then()
    thread.join(WAIT_SECONDS)
    assert answer, "the request did not finish once the lock was released"
    return answer[0]


def lock_row(conn: psycopg.Connection[tuple[Any, ...]], item_id: int) -> None:
    conn.execute("SELECT 1 FROM items WHERE id = %s FOR UPDATE", (item_id,))


def test_a_delete_that_loses_the_race_to_a_delete_is_404(
    db_app: Flask, database_url: str, account: dict[str, Any], other: psycopg.Connection[Any]
) -> None:
    client = db_app.test_client()
    item = item_of(client, account["headers"])
    lock_row(other, item["id"])
    other.execute("DELETE FROM items WHERE id = %s", (item["id"],))
    answer = while_blocked(
        db_app,
        database_url,
        lambda c: c.delete(f"/items/{item['id']}", headers=account["headers"]),
        other.commit,
    )
    # The row was gone when the lock came free: not a second 204.
    assert answer.status_code == 404
    assert answer.mimetype == "application/problem+json"


def test_a_patch_that_loses_the_race_to_a_delete_is_404(
    db_app: Flask, database_url: str, account: dict[str, Any], other: psycopg.Connection[Any]
) -> None:
    client = db_app.test_client()
    item = item_of(client, account["headers"])
    lock_row(other, item["id"])
    other.execute("DELETE FROM items WHERE id = %s", (item["id"],))
    answer = while_blocked(
        db_app,
        database_url,
        lambda c: c.patch(f"/items/{item['id']}", json={"name": "x"}, headers=account["headers"]),
        other.commit,
    )
    assert answer.status_code == 404
    assert client.get(f"/items/{item['id']}").status_code == 404


def test_a_patch_after_a_racing_patch_answers_both_changes(
    db_app: Flask, database_url: str, account: dict[str, Any], other: psycopg.Connection[Any]
) -> None:
    client = db_app.test_client()
    item = item_of(client, account["headers"])
    lock_row(other, item["id"])
    other.execute("UPDATE items SET name = 'renamed' WHERE id = %s", (item["id"],))
    answer = while_blocked(
        db_app,
        database_url,
        lambda c: c.patch(
            f"/items/{item['id']}", json={"price_cents": 7}, headers=account["headers"]
        ),
        other.commit,
    )
    # Read after the lock: the other writer's name, this request's price, as stored.
    expected = {**item, "name": "renamed", "price_cents": 7}
    assert answer.status_code == 200
    assert answer.get_json() == expected
    assert client.get(f"/items/{item['id']}").get_json() == expected


def test_a_create_whose_owner_is_deleted_mid_request_is_401(
    db_app: Flask, database_url: str, account: dict[str, Any]
) -> None:
    engine = db_app.extensions[EXTENSION_KEY].engine

    # The user loader has found the user; the user goes before the INSERT runs.
    def delete_owner(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO items"):
            with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
                conn.execute("DELETE FROM users WHERE id = %s", (account["id"],))

    event.listen(engine, "before_cursor_execute", delete_owner)
    try:
        client = db_app.test_client()
        answer = client.post(
            "/items", json={"name": "orphan", "price_cents": 1}, headers=account["headers"]
        )
    finally:
        event.remove(engine, "before_cursor_execute", delete_owner)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.mimetype == "application/problem+json"
    # The same token is now refused up front, like any token of a deleted user.
    assert client.get("/me", headers=account["headers"]).status_code == 401


def test_failed_writes_leave_the_one_pooled_connection_clean(
    db_client: FlaskClient, account: dict[str, Any], make_account: Callable[[], dict[str, Any]]
) -> None:
    item = item_of(db_client, account["headers"])
    stranger = make_account()
    failures = [
        db_client.post(
            "/auth/register", json={"username": account["username"], "password": "password-2"}
        ),
        db_client.patch(f"/items/{item['id']}", json={"name": "x"}, headers=stranger["headers"]),
        db_client.delete("/items/999999999", headers=account["headers"]),
    ]
    assert [r.status_code for r in failures] == [409, 403, 404]
    # The pool has one connection: each request above and below ran on it.
    assert db_client.get(f"/items/{item['id']}").get_json() == item
    renamed = db_client.patch(
        f"/items/{item['id']}", json={"name": "after"}, headers=account["headers"]
    )
    assert renamed.status_code == 200
    assert db_client.delete(f"/items/{item['id']}", headers=account["headers"]).status_code == 204
