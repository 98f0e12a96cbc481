"""A typed client generated from each implementation's /openapi.json, used against it.

``openapi-python-client`` turns the document into attrs models and one module per
operation; a short flow (register, token, create, get, patch, list, delete, two
errors) runs through that client, and the values it hands back must have the
types a client author expects: ``created_at`` a ``datetime``, ids and prices
``int``. A document that drops ``format: date-time`` fails here by name.

Before generating, each contract operation gets a fixed ``operationId`` and tag, so
one flow finds it in all three clients; names are not what this checks.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import typing
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import attrs
import httpx
import pytest

if TYPE_CHECKING:
    from conftest import Deployment

# The flow's operations: name -> (method, path with ``{id}`` for the path parameter).
OPERATIONS = {
    "register": ("post", "/auth/register"),
    "token": ("post", "/auth/token"),
    "create_item": ("post", "/items"),
    "retrieve_item": ("get", "/items/{id}"),
    "update_item": ("patch", "/items/{id}"),
    "list_items": ("get", "/items"),
    "delete_item": ("delete", "/items/{id}"),
}
TAG = "contract"

# What a typed client must hand back for these members, wherever they appear.
DATETIME_MEMBERS = frozenset({"created_at"})
INT_MEMBERS = frozenset({"id", "owner_id", "price_cents", "status", "expires_in"})


def _path_key(path: str) -> str:
    return "/".join("{id}" if part.startswith("{") else part for part in path.split("/"))


def _renamed(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the flow's operations under fixed names; it fails if one is missing."""
    wanted = {operation: name for name, operation in OPERATIONS.items()}
    found = set()
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            name = wanted.get((method, _path_key(path)))
            if name and isinstance(operation, dict):
                operation["operationId"] = name
                operation["tags"] = [TAG]
                found.add(name)
    missing = sorted(set(OPERATIONS) - found)
    assert not missing, f"the document lacks the operations {missing}"
    return document


@dataclass(frozen=True)
class GeneratedClient:
    """A client package generated for one implementation, imported."""

    impl: str
    package: ModuleType
    base_url: str

    def operation(self, name: str) -> ModuleType:
        return importlib.import_module(f"{self.package.__name__}.api.{TAG}.{name}")

    def body(self, operation: str, data: dict[str, Any]) -> Any:
        """The operation's own request model, built from ``data``."""
        model = typing.get_type_hints(self.operation(operation).sync_detailed)["body"]
        return model.from_dict(data)

    def call(self, operation: str, *args: Any, client: Any, **kwargs: Any) -> Any:
        """``sync_detailed``: the generated client's typed ``Response``."""
        return self.operation(operation).sync_detailed(*args, client=client, **kwargs)

    def anonymous(self) -> Any:
        return self.package.Client(base_url=self.base_url, raise_on_unexpected_status=True)

    def authenticated(self, token: str) -> Any:
        return self.package.AuthenticatedClient(
            base_url=self.base_url, token=token, raise_on_unexpected_status=True
        )


@pytest.fixture
def generated(deployment: Deployment, tmp_path: Path) -> Iterator[GeneratedClient]:
    document = httpx.get(f"{deployment.url}/openapi.json").raise_for_status().json()
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(_renamed(document)))
    # No post-hooks: the client is imported, not read, so it needs no formatter.
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"post_hooks": []}))
    package = f"arena_client_{deployment.name}"
    command = [
        sys.executable, "-m", "openapi_python_client", "generate",
        "--path", str(source), "--output-path", str(tmp_path / package),
        "--meta", "none", "--config", str(config), "--fail-on-warning",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, (
        f"{deployment.name}: openapi-python-client cannot generate a client from its "
        f"/openapi.json:\n{(result.stdout + result.stderr).strip()[-3000:]}"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield GeneratedClient(deployment.name, importlib.import_module(package), deployment.url)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
            del sys.modules[name]


def _type_errors(impl: str, where: str, value: Any) -> list[str]:
    """Every member under ``value`` whose Python type is not what a typed client needs."""
    if isinstance(value, list):
        return [error for element in value for error in _type_errors(impl, where, element)]
    if not attrs.has(type(value)):
        return []
    errors = []
    model = type(value).__name__
    for member in attrs.fields(type(value)):
        got = getattr(value, member.name)
        wire = member.name.rstrip("_")  # `type_` is `type` on the wire
        if wire in DATETIME_MEMBERS and not isinstance(got, datetime):
            errors.append(
                f"{impl}: {where} gave {model}.{wire} as {type(got).__name__} {got!r}, not a "
                "datetime (the document must say `format: date-time` for it)"
            )
        elif wire in INT_MEMBERS and (not isinstance(got, int) or isinstance(got, bool)):
            errors.append(
                f"{impl}: {where} gave {model}.{wire} as {type(got).__name__} {got!r}, not an int"
            )
        errors += _type_errors(impl, where, got)
    return errors


def _parsed(impl: str, where: str, response: Any, status: int) -> Any:
    """The parsed body of ``response``, which must have ``status`` and the expected types."""
    assert response.status_code == HTTPStatus(status), (
        f"{impl}: {where} answered {int(response.status_code)}, expected {status}: "
        f"{response.content[:300]!r}"
    )
    if status == HTTPStatus.NO_CONTENT:
        return None
    assert response.parsed is not None, (
        f"{impl}: the generated client parsed no model from {where} ({status})"
    )
    errors = _type_errors(impl, where, response.parsed)
    assert not errors, "\n".join(errors)
    return response.parsed


def test_typed_flow(generated: GeneratedClient) -> None:
    impl, api = generated.impl, generated
    credentials = {"username": f"e2e_{impl}_{uuid.uuid4().hex[:8]}", "password": "e2e-password"}
    with api.anonymous() as anonymous:
        register = api.call("register", client=anonymous, body=api.body("register", credentials))
        user = _parsed(impl, "POST /auth/register", register, 201)
        assert user.username == credentials["username"]
        token = api.call("token", client=anonymous, body=api.body("token", credentials))
        access_token = _parsed(impl, "POST /auth/token", token, 200).access_token

    with api.authenticated(access_token) as client:
        sent = {"name": "generated client", "price_cents": 1250}
        create = api.call("create_item", client=client, body=api.body("create_item", sent))
        item = _parsed(impl, "POST /items", create, 201)
        assert (item.name, item.price_cents, item.owner_id) == (sent["name"], 1250, user.id)

        fetched = _parsed(
            impl, "GET /items/{id}", api.call("retrieve_item", item.id, client=client), 200
        )
        assert fetched.to_dict() == item.to_dict()
        assert fetched.created_at == item.created_at

        change = api.body("update_item", {"price_cents": 990})
        updated = _parsed(
            impl,
            "PATCH /items/{id}",
            api.call("update_item", item.id, client=client, body=change),
            200,
        )
        assert (updated.name, updated.price_cents) == (sent["name"], 990)

        listed = _parsed(impl, "GET /items", api.call("list_items", client=client, limit=5), 200)
        assert isinstance(listed, list)
        assert 0 < len(listed) <= 5

        _parsed(impl, "DELETE /items/{id}", api.call("delete_item", item.id, client=client), 204)

        # Errors come back as the document's problem models, typed like the rest.
        gone = _parsed(
            impl,
            "GET /items/{id} (deleted)",
            api.call("retrieve_item", item.id, client=client),
            404,
        )
        assert (gone.status, gone.title) == (404, "Not Found")
        invalid = _parsed(
            impl, "GET /items?limit=0", api.call("list_items", client=client, limit=0), 422
        )
        assert invalid.status == 422
        assert [error.field for error in invalid.errors] == ["limit"]
