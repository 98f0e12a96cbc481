"""The OpenAPI document and its two UIs, through the app's test client (no database)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from impl_drf.api.schema import OpenApiDocumentView


@pytest.fixture
def fresh_document() -> Iterator[None]:
    """As in a process that has not served the document yet."""
    saved = OpenApiDocumentView._generated
    OpenApiDocumentView._generated = None
    yield
    OpenApiDocumentView._generated = saved


@pytest.mark.usefixtures("fresh_document")
def test_concurrent_first_requests_generate_the_document_once() -> None:
    original = SchemaGenerator.get_schema
    with (
        mock.patch.object(
            SchemaGenerator, "get_schema", autospec=True, side_effect=original
        ) as generate,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        responses = list(pool.map(lambda _: Client().get("/openapi.json"), range(8)))

    assert [r.status_code for r in responses] == [200] * 8
    assert generate.call_count == 1
    assert len({r.content for r in responses}) == 1
    assert responses[0]["Content-Type"] == "application/json"


def test_every_timestamp_is_a_date_time() -> None:
    schemas = Client().get("/openapi.json").json()["components"]["schemas"]
    for name in ("UserRead", "ItemRead"):
        assert schemas[name]["properties"]["created_at"]["format"] == "date-time", name


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_ui_pages_load_their_files_from_this_server(path: str) -> None:
    page = Client().get(path).content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls, f"{path} loads nothing"
    assert all(url.startswith(("/", "data:")) for url in urls), urls
    assert "https://" not in page


def test_redoc_keeps_its_logo_request_from_leaving() -> None:
    response = Client().get("/redoc")
    assert response["Content-Security-Policy"] == "img-src 'self' data: blob:"
