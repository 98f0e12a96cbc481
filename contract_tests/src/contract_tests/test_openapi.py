"""The OpenAPI document and its Swagger UI."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from contract_tests import openapi_diff
from contract_tests.plugin import Target
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


@pytest.mark.contract("openapi.same-contract")
def test_documents_describe_the_same_contract(
    impl_pair: tuple[Target, Target], pair: tuple[httpx.Client, httpx.Client]
) -> None:
    (left, right), (a, b) = impl_pair, pair
    why = "the API publishes its OpenAPI document"
    first = openapi_diff.normalise(expect_json(a.get("/openapi.json"), 200, why))
    second = openapi_diff.normalise(expect_json(b.get("/openapi.json"), 200, why))
    differences = openapi_diff.diff(first, second)
    unexpected = openapi_diff.unexpected(differences)
    assert not unexpected, (
        f"the OpenAPI documents of {left.name} and {right.name} must describe the same "
        "contract (openapi.same-contract); these differences are not among the accepted "
        "ones in docs/contract.md:\n" + openapi_diff.report(unexpected, left.name, right.name)
    )
