"""``GET /items/{id}/enriched`` through the app, on a real database, with a fake service.

The downstream client is swapped through ``dependency_overrides`` for one on
``httpx.MockTransport``, which records every call: the contract's "no call" cases are
seen directly, and the handler can look at the database pool while the fan-out waits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from impl_fastapi.app import create_app
from impl_fastapi.deps import get_downstream
from impl_fastapi.downstream import create_downstream
from shared_db import Settings


class FakeService:
    def __init__(self) -> None:
        self.calls: list[httpx.Request] = []
        self.status = 200
        self.error: httpx.TransportError | None = None
        self.pool_in_use: list[int] = []
        self.pool_checked_out: Any = None

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if self.pool_checked_out is not None:
            self.pool_in_use.append(self.pool_checked_out())
        if self.error is not None:
            raise self.error
        if self.status != 200:
            return httpx.Response(self.status)
        return httpx.Response(200, json={"part": request.url.params["part"], "extra": [1]})


@pytest.fixture
def service() -> FakeService:
    return FakeService()


@pytest.fixture
def app_client(
    settings: Settings, migrated_database_url: str, service: FakeService
) -> Iterator[TestClient]:
    settings = settings.model_copy(update={"database_url": migrated_database_url})
    app = create_app(settings)
    downstream = create_downstream(settings, transport=httpx.MockTransport(service))
    app.dependency_overrides[get_downstream] = lambda: downstream
    with TestClient(app, raise_server_exceptions=False) as client:
        engine = client.app_state["read_sessionmaker"].kw["bind"]
        service.pool_checked_out = engine.pool.checkedout
        yield client


@pytest.fixture
def headers(app_client: TestClient) -> dict[str, str]:
    credentials = {"username": f"user_{uuid.uuid4().hex[:12]}", "password": "password-123"}
    assert app_client.post("/auth/register", json=credentials).status_code == 201
    token = app_client.post("/auth/token", json=credentials).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def item(app_client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = app_client.post("/items", json={"name": "lamp", "price_cents": 5}, headers=headers)
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


def test_the_item_and_the_parts_as_received(
    app_client: TestClient, headers: dict[str, str], item: dict[str, Any], service: FakeService
) -> None:
    response = app_client.get(f"/items/{item['id']}/enriched?fanout=3", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "item": item,
        "parts": [{"part": str(k), "extra": [1]} for k in range(3)],
    }
    assert [dict(call.url.params) for call in service.calls] == [
        {"item": str(item["id"]), "part": str(k)} for k in range(3)
    ]


def test_the_database_connection_is_back_in_the_pool_during_the_fan_out(
    app_client: TestClient, headers: dict[str, str], item: dict[str, Any], service: FakeService
) -> None:
    assert app_client.get(f"/items/{item['id']}/enriched", headers=headers).status_code == 200
    assert service.pool_in_use == [0]


@pytest.mark.parametrize(
    ("status", "title"), [(503, "Bad Gateway"), (404, "Bad Gateway"), (500, "Bad Gateway")]
)
def test_a_failed_call_is_a_bad_gateway_problem(
    app_client: TestClient,
    headers: dict[str, str],
    item: dict[str, Any],
    service: FakeService,
    status: int,
    title: str,
) -> None:
    service.status = status
    response = app_client.get(f"/items/{item['id']}/enriched?fanout=2", headers=headers)
    assert response.status_code == 502
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": title,
        "status": 502,
        "detail": response.json()["detail"],
    }


def test_a_timeout_is_a_gateway_timeout_problem(
    app_client: TestClient, headers: dict[str, str], item: dict[str, Any], service: FakeService
) -> None:
    service.error = httpx.ReadTimeout("read")
    response = app_client.get(f"/items/{item['id']}/enriched", headers=headers)
    assert response.status_code == 504
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Gateway Timeout"


@pytest.mark.parametrize("fanout", ["0", "17", "2.5", "", "1e1", " 3", "99999999999999999999"])
def test_a_bad_fanout_is_422_naming_it_and_calls_nothing(
    app_client: TestClient,
    headers: dict[str, str],
    item: dict[str, Any],
    service: FakeService,
    fanout: str,
) -> None:
    response = app_client.get(f"/items/{item['id']}/enriched?fanout={fanout}", headers=headers)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["fanout"]
    assert service.calls == []


@pytest.mark.parametrize(
    "path", ["/items/999999999/enriched", "/items/99999999999999999999/enriched"]
)
def test_an_unknown_item_is_404_and_calls_nothing(
    app_client: TestClient, headers: dict[str, str], service: FakeService, path: str
) -> None:
    assert app_client.get(path, headers=headers).status_code == 404
    assert service.calls == []


@pytest.mark.parametrize("token", [None, "Bearer not-a-token"])
def test_without_a_valid_token_401_before_anything_else(
    app_client: TestClient, service: FakeService, token: str | None
) -> None:
    # An unknown item and a bad fanout too: the token is checked first.
    headers = {"Authorization": token} if token else {}
    response = app_client.get("/items/999999999/enriched?fanout=0", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert service.calls == []
