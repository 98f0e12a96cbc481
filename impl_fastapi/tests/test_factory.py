"""``create_app`` builds an app without touching the database."""

from __future__ import annotations

import gc
import inspect
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.testclient import TestClient

from impl_fastapi.app import create_app
from shared_db import ConfigurationError, Settings


def test_factory_builds_without_a_database() -> None:
    settings = Settings(database_url=None, jwt_secret="factory-test-secret-0123456789abcdef")
    app = create_app(settings)
    assert isinstance(app, FastAPI)
    assert app.state.settings is settings


def test_factory_reads_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://example.invalid/arena")
    monkeypatch.setenv("JWT_TTL_SECONDS", "60")
    settings: Settings = create_app().state.settings
    assert settings.database_url == "postgresql://example.invalid/arena"
    assert settings.jwt_ttl_seconds == 60


def test_startup_succeeds_while_the_database_is_unreachable(client: TestClient) -> None:
    # The fixture has already run the lifespan against a refused port.
    assert client.get("/openapi.json").status_code == 200


def test_startup_freezes_the_start_up_heap(settings: Settings) -> None:
    # Full collections must not re-scan what start-up built (the event-loop pauses).
    gc.unfreeze()
    with TestClient(create_app(settings)):
        assert gc.get_freeze_count() > 0


def test_startup_without_database_url_fails_clearly() -> None:
    app = create_app(Settings(database_url=None))
    with pytest.raises(ConfigurationError, match="DATABASE_URL"), TestClient(app):
        pass


def test_openapi_documents_the_contract(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert {"/health", "/auth/register", "/auth/token", "/me", "/items", "/items/{item_id}"} <= set(
        document["paths"]
    )
    schemes = document["components"]["securitySchemes"].values()
    assert {"type": "http", "scheme": "bearer"} in list(schemes)
    assert "Problem" in document["components"]["schemas"]
    assert client.get("/docs").headers["content-type"].startswith("text/html")


def test_timestamps_are_documented_as_date_times(client: TestClient) -> None:
    # A generated client types a plain string as str; created_at must come back a datetime.
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("UserRead", "ItemRead"):
        assert schemas[name]["properties"]["created_at"] == {
            "type": "string",
            "format": "date-time",
            "title": "Created At",
        }


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_everything_from_this_server(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert not re.search(r"""https?:|["'(]//""", response.text), f"{page} names another host"
    urls = re.findall(r"""(?:src|href|url)\s*[:=]\s*["']([^"']+)["']""", response.text)
    assert "/openapi.json" in urls
    assets = [url for url in urls if url != "/openapi.json"]
    assert any(url.endswith(".js") for url in assets)
    for url in assets:
        assert url.startswith("/"), f"{page} loads {url} from elsewhere"
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_forbid_other_hosts(client: TestClient, page: str) -> None:
    # ReDoc's bundle asks cdn.redoc.ly for its logo; this policy is what refuses it.
    policy = client.get(page).headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "img-src 'self' data:" in policy


def test_api_answers_carry_no_docs_policy(client: TestClient) -> None:
    assert "content-security-policy" not in client.get("/openapi.json").headers


def test_openapi_documents_the_enriched_item(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/items/{item_id}/enriched"]["get"]
    assert operation["security"] == [{"HTTPBearer": []}]
    fanout = next(p for p in operation["parameters"] if p["name"] == "fanout")
    assert fanout["in"] == "query"
    assert not fanout["required"]
    assert {k: fanout["schema"][k] for k in ("type", "minimum", "maximum", "default")} == {
        "type": "integer",
        "minimum": 1,
        "maximum": 16,
        "default": 1,
    }
    assert set(operation["responses"]) == {"200", "401", "404", "422", "502", "503", "504"}
    shape = document["components"]["schemas"]["EnrichedItemRead"]
    assert shape["required"] == ["item", "parts"]
    assert shape["additionalProperties"] is False
    assert shape["properties"]["item"] == {"$ref": "#/components/schemas/ItemRead"}
    assert shape["properties"]["parts"]["items"]["type"] == "object"


def test_no_dependency_runs_in_the_thread_pool(client: TestClient) -> None:
    # FastAPI runs a plain ``def`` dependency in a worker thread on every request.
    app = client.app
    assert isinstance(app, FastAPI)

    def sync_calls(dependant: Dependant) -> Iterator[str]:
        for sub in dependant.dependencies:
            call = sub.call
            method = getattr(call, "__call__", None)  # noqa: B004 (instances such as HTTPBearer)
            if not any(
                inspect.iscoroutinefunction(f) or inspect.isasyncgenfunction(f)
                for f in (call, method)
            ):
                yield getattr(call, "__name__", repr(call))
            yield from sync_calls(sub)

    found = {name for route in app.state.api_routes for name in sync_calls(route.dependant)}
    assert found == set()
