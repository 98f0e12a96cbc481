"""``GET /items/{id}/enriched`` through both of its views, on a real database, with a fake service.

The DRF view is reached through DRF's test client (as under WSGI), the async view
through ``impl_drf.asgi.application`` itself (its URLconf and middleware, as under
ASGI), and each answer must be the same. The downstream clients are swapped for ones
on ``httpx.MockTransport``, which records every call: the contract's "no call" cases
are seen directly, and the fake service can look at the database pool while the
fan-out waits.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from django.db import connection
from rest_framework.test import APIClient

from impl_drf.api import async_views, security, views
from impl_drf.api.downstream import create_async_downstream, create_downstream
from impl_drf.api.models import Item, User
from impl_drf.asgi import application
from shared_db import Settings

pytestmark = pytest.mark.usefixtures("database")

Get = Callable[..., httpx.Response]


class FakeService:
    def __init__(self) -> None:
        self.calls: list[httpx.Request] = []
        self.status = 200
        self.error: httpx.TransportError | None = None
        self.connections_in_use: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        stats = connection.pool.get_stats()  # type: ignore[attr-defined]  # Django 5.1+
        self.connections_in_use.append(stats["pool_size"] - stats["pool_available"])
        if self.error is not None:
            raise self.error
        if self.status != 200:
            return httpx.Response(self.status)
        return httpx.Response(200, json={"part": request.url.params["part"], "extra": ["é"]})

    async def on_loop(self, request: httpx.Request) -> httpx.Response:
        return self(request)


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeService]:
    fake = FakeService()
    arena = Settings(downstream_url="http://downstream.test/work?ms=1")
    blocking = create_downstream(arena, transport=httpx.MockTransport(fake))
    asynchronous = create_async_downstream(arena, transport=httpx.MockTransport(fake.on_loop))
    monkeypatch.setattr(views, "get_downstream", lambda: blocking)
    monkeypatch.setattr(async_views, "get_async_downstream", lambda: asynchronous)
    yield fake
    blocking.close()


def get_wsgi(
    path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> httpx.Response:
    django_headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
    answer = APIClient().generic(method, path, **django_headers)  # type: ignore[arg-type]
    return httpx.Response(answer.status_code, headers=dict(answer.headers), content=answer.content)


def get_asgi(
    path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.request(method, path, headers=headers)

    return asyncio.run(run())


both = pytest.mark.parametrize("get", [get_wsgi, get_asgi], ids=["drf-view", "async-view"])


@pytest.fixture
def owner() -> User:
    return User.objects.create(username=f"u{uuid.uuid4().hex[:12]}", password_hash="unused")


@pytest.fixture
def headers(owner: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {security.issue_token(owner)}"}


@pytest.fixture
def item(owner: User) -> dict[str, Any]:
    created = Item.objects.create(name="lamp", price_cents=5, owner=owner)
    answer: dict[str, Any] = APIClient().get(f"/items/{created.pk}").json()
    # The test's own connection back to the pool: what is checked out during a
    # fan-out is then the view's alone.
    connection.close()
    return answer


@both
def test_the_item_and_the_parts_as_received(
    get: Get, headers: dict[str, str], item: dict[str, Any], service: FakeService
) -> None:
    response = get(f"/items/{item['id']}/enriched?fanout=3", headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "item": item,
        "parts": [{"part": str(k), "extra": ["é"]} for k in range(3)],
    }
    assert [dict(call.url.params) for call in service.calls] == [
        {"ms": "1", "item": str(item["id"]), "part": str(k)} for k in range(3)
    ]


def test_asgi_requests_are_served_by_the_async_view(
    headers: dict[str, str], item: dict[str, Any], service: FakeService
) -> None:
    views_called: list[str] = []
    original = views.ItemViewSet.retrieve_enriched

    def spy(self: views.ItemViewSet, *args: Any, **kwargs: Any) -> Any:
        views_called.append("drf")
        return original(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(views.ItemViewSet, "retrieve_enriched", spy)
        assert get_asgi(f"/items/{item['id']}/enriched", headers).status_code == 200
        assert views_called == []
        assert get_asgi(f"/items/{item['id']}", headers).status_code == 200  # DRF's, under ASGI


@both
def test_the_database_connection_is_back_in_the_pool_during_the_fan_out(
    get: Get, headers: dict[str, str], item: dict[str, Any], service: FakeService
) -> None:
    assert get(f"/items/{item['id']}/enriched?fanout=2", headers).status_code == 200
    assert service.connections_in_use == [0, 0]


@both
@pytest.mark.parametrize(
    ("status", "error", "expected", "title"),
    [
        (503, None, 502, "Bad Gateway"),
        (404, None, 502, "Bad Gateway"),
        (200, httpx.ConnectError("refused"), 502, "Bad Gateway"),
        (200, httpx.ReadTimeout("read"), 504, "Gateway Timeout"),
    ],
)
def test_a_failed_call_is_a_problem(
    get: Get,
    headers: dict[str, str],
    item: dict[str, Any],
    service: FakeService,
    status: int,
    error: httpx.TransportError | None,
    expected: int,
    title: str,
) -> None:
    service.status, service.error = status, error
    response = get(f"/items/{item['id']}/enriched?fanout=2", headers)
    assert response.status_code == expected
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body == {
        "type": "about:blank",
        "title": title,
        "status": expected,
        "detail": body["detail"],
    }


@both
@pytest.mark.parametrize(
    "fanout", ["0", "17", "2.5", "", "1e1", " 3", "5_0", "99999999999999999999"]
)
def test_a_bad_fanout_is_422_naming_it_and_calls_nothing(
    get: Get, headers: dict[str, str], item: dict[str, Any], service: FakeService, fanout: str
) -> None:
    response = get(f"/items/{item['id']}/enriched?fanout={fanout}", headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == ["fanout"]
    assert service.calls == []


@both
@pytest.mark.parametrize(
    "path", ["/items/999999999/enriched", "/items/99999999999999999999/enriched"]
)
def test_an_unknown_item_is_404_and_calls_nothing(
    get: Get, headers: dict[str, str], service: FakeService, path: str
) -> None:
    response = get(path, headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert service.calls == []


@both
@pytest.mark.parametrize("token", [None, "Bearer not-a-token", "Bearer a b"])
def test_without_a_valid_token_401_before_anything_else(
    get: Get, service: FakeService, token: str | None
) -> None:
    # An unknown item and a bad fanout too: the token is checked first.
    response = get("/items/999999999/enriched?fanout=0", {"Authorization": token} if token else {})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert service.calls == []


@both
def test_a_token_for_a_deleted_user_is_401(
    get: Get, owner: User, headers: dict[str, str], item: dict[str, Any], service: FakeService
) -> None:
    User.objects.filter(pk=owner.pk).delete()
    assert get(f"/items/{item['id']}/enriched", headers).status_code == 401
    assert service.calls == []


@both
def test_another_method_is_a_405_problem(
    get: Get, item: dict[str, Any], service: FakeService
) -> None:
    response = get(f"/items/{item['id']}/enriched", method="POST")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert "GET" in response.headers["allow"]
