"""What the item writes send to the database, where races are decided.

The contract suite races real requests against a running server; these tests pin
the mechanism it relies on, through the app's test client on a throw-away database.
"""

from __future__ import annotations

import uuid
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from impl_drf.api import security
from impl_drf.api.authentication import JWTAuthentication
from impl_drf.api.models import Item, User

pytestmark = pytest.mark.usefixtures("database")


@pytest.fixture
def owner() -> User:
    return User.objects.create(username=f"u{uuid.uuid4().hex[:12]}", password_hash="unused")


@pytest.fixture
def client(owner: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {security.issue_token(owner)}")
    return client


@pytest.fixture
def item(owner: User) -> Item:
    return Item.objects.create(name="lamp", price_cents=100, owner=owner)


def item_statements(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if '"items"' in query["sql"]]


def test_a_patch_locks_the_row_and_writes_only_the_members_sent(
    client: APIClient, item: Item
) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client.patch(f"/items/{item.pk}", {"name": "desk lamp"}, format="json")

    assert response.status_code == 200
    select, update = item_statements(queries)
    assert select.endswith("FOR UPDATE")
    assert update.startswith('UPDATE "items" SET "name" = ')
    assert "price_cents" not in update
    item.refresh_from_db()
    assert (item.name, item.price_cents) == ("desk lamp", 100)


def test_an_empty_patch_writes_nothing(client: APIClient, item: Item) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client.patch(f"/items/{item.pk}", {}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "lamp"
    assert not [sql for sql in item_statements(queries) if sql.startswith("UPDATE")]


def test_a_delete_locks_the_row_before_deleting_it(client: APIClient, item: Item) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client.delete(f"/items/{item.pk}")

    assert response.status_code == 204
    select, delete = item_statements(queries)
    assert select.endswith("FOR UPDATE")
    assert delete.startswith('DELETE FROM "items"')
    assert not Item.objects.filter(pk=item.pk).exists()


def test_a_create_for_an_owner_deleted_after_the_token_check_is_401(
    client: APIClient, owner: User
) -> None:
    authenticate = JWTAuthentication.authenticate

    def authenticate_then_lose_the_user(
        self: JWTAuthentication, request: object
    ) -> tuple[User, str] | None:
        result = authenticate(self, request)  # type: ignore[arg-type]
        User.objects.filter(pk=owner.pk).delete()  # behind the API, mid-request
        return result

    with mock.patch.object(JWTAuthentication, "authenticate", authenticate_then_lose_the_user):
        response = client.post("/items", {"name": "orphan", "price_cents": 1}, format="json")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Item.objects.filter(name="orphan").exists()
    # The failed INSERT left the connection usable for the next request.
    assert client.get("/items").status_code == 200


def test_a_create_is_one_insert_in_autocommit(client: APIClient) -> None:
    in_transaction: list[bool] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith("INSERT"):
            # Inside atomic() the INSERT would cost a BEGIN and a COMMIT besides.
            in_transaction.append(connection.in_atomic_block)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.post("/items", {"name": "lamp", "price_cents": 1}, format="json")

    assert response.status_code == 201
    assert in_transaction == [False]
