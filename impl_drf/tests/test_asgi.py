"""The ASGI entry point: Django's async path, the lifespan, and what runs in a thread."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
from django.core.handlers.asgi import ASGIHandler
from django.test import override_settings

from impl_drf.api import downstream
from impl_drf.api.middleware import request_target
from impl_drf.api.schema import OpenApiDocumentView
from impl_drf.asgi import Request, application


def test_no_middleware_makes_an_asgi_request_hold_a_thread(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Django adapts a sync-only middleware with sync_to_async, and the rest of the chain,
    # the async view included, would then run inside that thread (it logs each
    # adaptation when DEBUG is on).
    with override_settings(DEBUG=True), caplog.at_level(logging.DEBUG, "django.request"):
        ASGIHandler()
    adapted = [r.getMessage() for r in caplog.records if "adapted" in r.getMessage()]
    assert adapted == []


def test_the_lifespan_closes_the_downstream_client_at_shutdown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(downstream, "_async_downstream", None)
    sent: list[MutableMapping[str, Any]] = []

    async def run() -> downstream.AsyncDownstream:
        client = downstream.get_async_downstream()  # as the first fan-out makes it
        messages = asyncio.Queue[dict[str, Any]]()
        for kind in ("lifespan.startup", "lifespan.shutdown"):
            messages.put_nowait({"type": kind})

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        await application({"type": "lifespan"}, messages.get, send)
        return client

    client = asyncio.run(run())
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert client.client.is_closed
    assert downstream._async_downstream is None


def test_the_document_is_the_same_under_asgi(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.test import Client

    monkeypatch.setattr(OpenApiDocumentView, "_generated", None)
    under_wsgi = Client().get("/openapi.json").json()
    monkeypatch.setattr(OpenApiDocumentView, "_generated", None)

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.get("/openapi.json")

    under_asgi = asyncio.run(run()).json()
    assert under_asgi == under_wsgi
    operation = under_asgi["paths"]["/items/{id}/enriched"]["get"]
    assert set(operation["responses"]) == {"200", "401", "404", "422", "502", "503", "504"}


def test_an_asgi_request_target_is_the_raw_path_and_query() -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/items/AAA",
        "raw_path": b"/items/%41%41%41",
        "query_string": b"fanout=2",
        "headers": [],
    }
    request = Request(scope, body_file=None)  # type: ignore[arg-type]
    assert request.urlconf == "impl_drf.urls_asgi"
    assert request_target(request) == "/items/%41%41%41?fanout=2"
