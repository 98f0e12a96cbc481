"""``GET /items/{id}/enriched`` through the app, on a real database, with a fake service.

The app's downstream client is swapped (``app.extensions``) for one on
``httpx.MockTransport``, which records every call: the contract's "no call" cases are
seen directly, and the handler can look at the database pool while the fan-out waits.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest.mock import ANY

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from impl_flask import downstream
from impl_flask.db import EXTENSION_KEY
from shared_db import Settings


class FakeService:
    def __init__(self, app: Flask) -> None:
        self.calls: list[httpx.Request] = []
        self.status = 200
        self.error: httpx.TransportError | None = None
        self.pool = app.extensions[EXTENSION_KEY].engine.pool
        self.pool_in_use: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        self.pool_in_use.append(self.pool.checkedout())
        if self.error is not None:
            raise self.error
        if self.status != 200:
            return httpx.Response(self.status)
        return httpx.Response(200, json={"part": request.url.params["part"], "extra": [1]})


@pytest.fixture
def service(db_app: Flask, db_settings: Settings) -> Iterator[FakeService]:
    fake = FakeService(db_app)
    db_app.extensions[downstream.EXTENSION_KEY].close()
    swapped = downstream.create_downstream(db_settings, transport=httpx.MockTransport(fake))
    db_app.extensions[downstream.EXTENSION_KEY] = swapped
    yield fake
    swapped.close()


@pytest.fixture
def item(db_client: FlaskClient, account: dict[str, Any]) -> dict[str, Any]:
    created = db_client.post(
        "/items", json={"name": "lamp", "price_cents": 5}, headers=account["headers"]
    )
    assert created.status_code == 201
    body: dict[str, Any] = created.get_json()
    return body


def test_the_item_and_the_parts_as_received(
    db_client: FlaskClient, account: dict[str, Any], item: dict[str, Any], service: FakeService
) -> None:
    response = db_client.get(f"/items/{item['id']}/enriched?fanout=3", headers=account["headers"])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {
        "item": item,
        "parts": [{"part": str(k), "extra": [1]} for k in range(3)],
    }
    # Sent from the executor's threads: in any order, each once.
    assert sorted((call.url.params["item"], call.url.params["part"]) for call in service.calls) == [
        (str(item["id"]), str(k)) for k in range(3)
    ]


def test_the_database_connection_is_back_in_the_pool_during_the_fan_out(
    db_client: FlaskClient, account: dict[str, Any], item: dict[str, Any], service: FakeService
) -> None:
    # The pool has one connection (db_settings): the user lookup and the item read
    # used it, and none of the calls may find it still checked out.
    response = db_client.get(f"/items/{item['id']}/enriched?fanout=2", headers=account["headers"])
    assert response.status_code == 200
    assert service.pool_in_use == [0, 0]


@pytest.mark.parametrize("status", [503, 404, 500])
def test_a_failed_call_is_a_bad_gateway_problem(
    db_client: FlaskClient,
    account: dict[str, Any],
    item: dict[str, Any],
    service: FakeService,
    status: int,
) -> None:
    service.status = status
    response = db_client.get(f"/items/{item['id']}/enriched?fanout=2", headers=account["headers"])
    assert response.status_code == 502
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body == {"type": "about:blank", "title": "Bad Gateway", "status": 502, "detail": ANY}
    assert str(status) in body["detail"]


def test_a_refused_connection_is_a_bad_gateway_problem(
    db_client: FlaskClient, account: dict[str, Any], item: dict[str, Any], service: FakeService
) -> None:
    service.error = httpx.ConnectError("refused")
    response = db_client.get(f"/items/{item['id']}/enriched", headers=account["headers"])
    assert response.status_code == 502
    assert response.get_json()["title"] == "Bad Gateway"


def test_a_timeout_is_a_gateway_timeout_problem(
    db_client: FlaskClient, account: dict[str, Any], item: dict[str, Any], service: FakeService
) -> None:
    service.error = httpx.ReadTimeout("read")
    response = db_client.get(f"/items/{item['id']}/enriched", headers=account["headers"])
    assert response.status_code == 504
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Gateway Timeout"


@pytest.mark.parametrize("fanout", ["0", "17", "-1", "2.5", "", "1e1", " 3", "abc", "9" * 20])
def test_a_bad_fanout_is_422_naming_it_and_calls_nothing(
    db_client: FlaskClient,
    account: dict[str, Any],
    item: dict[str, Any],
    service: FakeService,
    fanout: str,
) -> None:
    response = db_client.get(
        f"/items/{item['id']}/enriched?fanout={fanout}", headers=account["headers"]
    )
    assert response.status_code == 422
    assert [error["field"] for error in response.get_json()["errors"]] == ["fanout"]
    assert service.calls == []


@pytest.mark.parametrize(
    "path", ["/items/999999999/enriched", "/items/99999999999999999999/enriched"]
)
def test_an_unknown_item_is_404_and_calls_nothing(
    db_client: FlaskClient, account: dict[str, Any], service: FakeService, path: str
) -> None:
    assert db_client.get(path, headers=account["headers"]).status_code == 404
    assert service.calls == []


@pytest.mark.parametrize("token", [None, "Bearer not-a-token"])
def test_without_a_valid_token_401_before_anything_else(
    db_client: FlaskClient, service: FakeService, token: str | None
) -> None:
    # An unknown item and a bad fanout too: the token is checked first.
    headers = {"Authorization": token} if token else {}
    response = db_client.get("/items/999999999/enriched?fanout=0", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert service.calls == []
