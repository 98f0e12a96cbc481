"""The OpenAPI document and its Swagger UI."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from contract_tests.support import expect, expect_json, media_type

CONTRACT_PATHS = {"/health", "/auth/register", "/auth/token", "/me", "/items", "/items/{}"}


def _normalise(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/") or "/")


@pytest.mark.contract("openapi.document")
def test_openapi_document_is_valid(client: httpx.Client) -> None:
    document: dict[str, Any] = expect_json(
        client.get("/openapi.json"), 200, "the API publishes its OpenAPI document"
    )
    version = str(document.get("openapi", ""))
    assert version.startswith("3."), f"the document must be OpenAPI 3.x; got openapi={version!r}"
    try:
        validate(document)
    except Exception as exc:
        raise AssertionError(
            f"GET /openapi.json must be a valid OpenAPI {version} document (openapi.document): "
            f"{str(exc)[:500]}"
        ) from exc
    paths = {_normalise(p) for p in document.get("paths", {})}
    missing = CONTRACT_PATHS - paths
    assert not missing, (
        f"the document must describe every contract path (openapi.document); missing "
        f"{sorted(missing)} among {sorted(paths)}"
    )
    schemes = document.get("components", {}).get("securitySchemes", {})
    bearer = [
        name
        for name, scheme in schemes.items()
        if scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "bearer"
    ]
    assert bearer, (
        "the document must declare a security scheme of type http, scheme bearer "
        f"(openapi.document); got {schemes}"
    )


@pytest.mark.contract("openapi.docs")
def test_docs_serve_swagger_ui(client: httpx.Client) -> None:
    response = expect(client.get("/docs"), 200, "Swagger UI is served at /docs")
    kind, _ = media_type(response)
    assert kind == "text/html", f"GET /docs must be an HTML page (openapi.docs); got {kind!r}"
    assert "swagger" in response.text.lower(), (
        "GET /docs must serve Swagger UI (openapi.docs); the page does not mention swagger"
    )
