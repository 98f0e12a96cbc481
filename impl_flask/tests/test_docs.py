"""The API docs pages load everything from this server, and the document keeps its formats."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from marshmallow import Schema, fields

from impl_flask import schemas


class AssetLinks(HTMLParser):
    """Every URL a page makes the browser fetch: script and link targets, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets(client: FlaskClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    parser = AssetLinks()
    parser.feed(response.get_data(as_text=True))
    assert parser.urls, "the page loads no scripts at all"
    for url in parser.urls:
        assert url.startswith("/"), f"{page} loads {url} from another host"
        with client.get(url) as asset:
            assert asset.status_code == 200, url
            assert asset.content_length, url


def test_swagger_ui_sends_the_document_to_no_validator(client: FlaskClient) -> None:
    page = client.get("/docs").get_data(as_text=True)
    assert '"validatorUrl": null' in page


def test_a_missing_asset_is_a_problem_404(client: FlaskClient) -> None:
    response = client.get("/docs/swagger-ui/nothing.js")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def _schema_classes() -> dict[str, type[Schema]]:
    return {
        name: value
        for name, value in vars(schemas).items()
        if isinstance(value, type) and issubclass(value, Schema)
    }


def test_every_date_time_member_is_documented_as_date_time(app: Flask) -> None:
    document: dict[str, Any] = app.test_client().get("/openapi.json").get_json()
    components = document["components"]["schemas"]
    classes = _schema_classes()
    checked = 0
    # Every schema of ours the document holds (flask-smorest adds PaginationMetadata).
    for name in components.keys() & classes.keys():
        for member, field in classes[name]().fields.items():
            if isinstance(field, fields.DateTime):
                assert components[name]["properties"][member].get("format") == "date-time", (
                    f"{name}.{member}"
                )
                checked += 1
    assert checked >= 2  # UserRead.created_at, ItemRead.created_at


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_forbid_other_hosts(client: FlaskClient, page: str) -> None:
    # ReDoc's bundle asks cdn.redoc.ly for its logo; this policy is what refuses it.
    policy = client.get(page).headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "img-src 'self' data:" in policy


def test_api_answers_carry_no_docs_policy(client: FlaskClient) -> None:
    assert "Content-Security-Policy" not in client.get("/openapi.json").headers
