"""The OpenAPI normaliser and diff behind ``openapi.same-contract`` (no server needed)."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from contract_tests import openapi_diff as od


def _document(version: str = "3.1.0", **overrides: Any) -> dict[str, Any]:
    """A small document: GET and DELETE /items/{item_id}, POST /items."""
    document: dict[str, Any] = {
        "openapi": version,
        "info": {"title": "A", "version": "1"},
        "paths": {
            "/items": {
                "post": {
                    "summary": "Create",
                    "operationId": "create",
                    "security": [{"HTTPBearer": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/In"}}
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Created",
                            "headers": {"Location": {"schema": {"type": "string"}}},
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Out"}}
                            },
                        },
                        "422": {
                            "description": "Invalid",
                            "content": {
                                "application/problem+json": {
                                    "schema": {"$ref": "#/components/schemas/Problem"}
                                }
                            },
                        },
                    },
                }
            },
            "/items/{item_id}": {
                "get": {
                    "parameters": [
                        {
                            "name": "item_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "title": "Item Id"},
                        }
                    ],
                    "responses": {"200": {"description": "OK"}},
                },
                "delete": {
                    "security": [{"HTTPBearer": []}],
                    "parameters": [
                        {
                            "name": "item_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {"204": {"description": "Gone"}},
                },
            },
        },
        "components": {
            "securitySchemes": {"HTTPBearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "In": {
                    "type": "object",
                    "title": "In",
                    "properties": {
                        "name": {"type": "string", "maxLength": 100, "description": "A name"},
                        "price": {"type": "integer", "minimum": 0.0, "maximum": 10.0},
                        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    },
                    "required": ["price", "name"],
                    "additionalProperties": False,
                },
                "Out": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "kind": {"const": "item", "default": "item", "type": "string"},
                        "created_at": {"type": "string", "format": "date-time"},
                    },
                    "required": ["id", "kind", "created_at"],
                },
                "Problem": {
                    "type": "object",
                    "properties": {"status": {"type": "integer"}},
                },
            },
        },
    }
    document.update(overrides)
    return document


def _as_openapi_30(document: dict[str, Any]) -> dict[str, Any]:
    """The same API as another generator writes it: 3.0, other names, inline schemas."""
    other = copy.deepcopy(document)
    other["openapi"] = "3.0.3"
    schemas = other["components"]["schemas"]
    schemas["In"]["properties"]["note"] = {"type": "string", "nullable": True}
    schemas["In"]["properties"]["price"] = {"type": "integer", "minimum": 0, "maximum": 10}
    schemas["Out"]["properties"]["kind"] = {"type": "string", "enum": ["item"]}
    schemas["ItemOut"] = schemas.pop("Out")
    post = other["paths"]["/items"]["post"]
    post["responses"]["201"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/ItemOut"
    }
    post["security"] = [{"jwt": []}]
    other["paths"]["/items/{item_id}"]["delete"]["security"] = [{"jwt": []}]
    other["components"]["securitySchemes"] = {
        "jwt": {"type": "http", "scheme": "Bearer", "bearerFormat": "JWT"}
    }
    item = other["paths"].pop("/items/{item_id}")
    for operation in item.values():
        operation["parameters"][0]["name"] = "id"
    other["paths"]["/items/{id}"] = item
    post["requestBody"]["content"]["application/json"]["schema"] = copy.deepcopy(schemas["In"])
    return other


def test_equivalent_documents_have_no_differences() -> None:
    first = od.normalise(_document())
    second = od.normalise(_as_openapi_30(_document()))
    assert od.diff(first, second) == []


def test_normalised_operation_shape() -> None:
    operations = od.normalise(_document())
    assert set(operations) == {"POST /items", "GET /items/{id}", "DELETE /items/{id}"}
    post = operations["POST /items"]
    assert post["security"] == "bearer"
    assert operations["GET /items/{id}"]["security"] == "none"
    body = post["requestBody"]["content"]["application/json"]
    assert body["required"] == ["name", "price"]
    assert body["properties"]["name"] == {"type": "string", "maxLength": 100}
    assert body["properties"]["price"]["maximum"] == 10
    assert isinstance(body["properties"]["price"]["maximum"], int)
    assert body["properties"]["note"] == {"type": ["null", "string"]}
    assert "title" not in body
    created = post["responses"]["201"]
    assert created["headers"] == {"location": {"type": "string"}}
    out = created["content"]["application/json"]
    # In responses, default is dropped; const is an enum; format is kept.
    assert out["properties"]["kind"] == {"type": "string", "enum": ["item"]}
    assert out["properties"]["created_at"] == {"type": "string", "format": "date-time"}
    assert operations["GET /items/{id}"]["parameters"] == {
        "path {id}": {"required": True, "schema": {"type": "integer"}}
    }


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"allOf": [{"$ref": "#/components/schemas/Problem"}]}, {"type": "object"}),
        (
            {"oneOf": [{"type": "integer"}, {"type": "null"}]},
            {"type": ["integer", "null"]},
        ),
        (
            {"type": "number", "minimum": 1, "exclusiveMinimum": True},
            {"type": "number", "exclusiveMinimum": 1},
        ),
        ({"type": "number", "exclusiveMaximum": False}, {"type": "number"}),
        ({"type": ["string"]}, {"type": "string"}),
        ({"type": "object", "additionalProperties": True}, {"type": "object"}),
        ({"type": "string", "x-internal": 1, "example": "a"}, {"type": "string"}),
        ({"enum": ["b", "a"]}, {"enum": ["a", "b"]}),
    ],
)
def test_normalise_schema_unifies_spellings(schema: dict[str, Any], expected: Any) -> None:
    document = _document()
    got = od.normalise_schema(document, schema)
    if "allOf" in schema:
        assert got["type"] == "object"
    else:
        assert got == expected


def test_response_constraints_are_ignored_but_request_constraints_are_not() -> None:
    schema = {"type": "string", "maxLength": 5, "pattern": "^a$", "default": "a"}
    assert od.normalise_schema({}, schema, response=True) == {"type": "string"}
    assert od.normalise_schema({}, schema) == schema


def test_a_missing_response_reads_as_one_line() -> None:
    first = od.normalise(_document())
    changed = _document()
    del changed["paths"]["/items"]["post"]["responses"]["422"]
    differences = od.diff(first, od.normalise(changed))
    assert [d.location for d in differences] == ["POST /items responses 422"]
    text = od.report(differences, "fastapi", "flask")
    assert "POST /items responses 422: only in fastapi" in text


def test_a_changed_constraint_is_a_difference() -> None:
    changed = _document()
    changed["components"]["schemas"]["In"]["properties"]["name"]["maxLength"] = 50
    differences = od.diff(od.normalise(_document()), od.normalise(changed))
    assert len(differences) == 1
    (difference,) = differences
    assert difference.location.endswith("properties name maxLength")
    assert difference.describe("a", "b").endswith("a 100 != b 50")


def test_a_dropped_format_is_a_difference() -> None:
    """A document without ``format: date-time`` gives generated clients a ``str``."""
    changed = _document()
    del changed["components"]["schemas"]["Out"]["properties"]["created_at"]["format"]
    differences = od.diff(od.normalise(_document()), od.normalise(changed))
    assert [d.location for d in differences] == [
        "POST /items responses 201 content application/json properties created_at format"
    ]
    assert (
        differences[0].describe("flask", "fastapi").endswith('format: only in flask ("date-time")')
    )


def test_a_changed_parameter_format_is_a_difference() -> None:
    changed = _document()
    parameter = changed["paths"]["/items/{item_id}"]["get"]["parameters"][0]
    parameter["schema"]["format"] = "int32"
    first = _document()
    first["paths"]["/items/{item_id}"]["get"]["parameters"][0]["schema"]["format"] = "int64"
    differences = od.diff(od.normalise(first), od.normalise(changed))
    assert [d.location for d in differences] == [
        "GET /items/{id} parameters path {id} schema format"
    ]
    assert differences[0].describe("a", "b").endswith('a "int64" != b "int32"')


def test_format_survives_both_nullable_spellings() -> None:
    """3.0 ``nullable`` and 3.1 ``anyOf`` with null keep the member's format alike."""
    document = _document()
    legacy = {"type": "string", "format": "date-time", "nullable": True}
    modern = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}
    expected = {"type": ["null", "string"], "format": "date-time"}
    assert od.normalise_schema(document, legacy, response=True) == expected
    assert od.normalise_schema(document, modern, response=True) == expected


def test_security_and_methods_are_compared() -> None:
    changed = _document()
    changed["paths"]["/items/{item_id}"]["get"]["security"] = [{"HTTPBearer": []}, {}]
    changed["paths"]["/items/{item_id}"]["patch"] = {"responses": {"200": {"description": ""}}}
    locations = [d.location for d in od.diff(od.normalise(_document()), od.normalise(changed))]
    assert "GET /items/{id} security" in locations
    assert "PATCH /items/{id}" in locations


def test_unresolvable_and_recursive_refs_are_reported() -> None:
    with pytest.raises(od.NormaliseError, match="unresolvable"):
        od.normalise_schema(_document(), {"$ref": "#/components/schemas/Nope"})
    looping = _document()
    looping["components"]["schemas"]["Loop"] = {"$ref": "#/components/schemas/Loop"}
    with pytest.raises(od.NormaliseError, match="recursive"):
        od.normalise_schema(looping, {"$ref": "#/components/schemas/Loop"})
    with pytest.raises(od.NormaliseError):
        od.normalise({"openapi": "3.1.0"})


def test_accepted_differences_are_the_contracts() -> None:
    """ACCEPTED_DIFFERENCES and the list under openapi.same-contract say the same."""
    contract = next(
        parent / "docs" / "contract.md"
        for parent in Path(__file__).resolve().parents
        if (parent / "docs" / "contract.md").is_file()
    )
    text = contract.read_text(encoding="utf-8")
    rule = text[text.index("**`openapi.same-contract`**") :]
    rule = rule[: rule.index("\n\n")] if "\n\n" in rule else rule
    listed = rule[rule.index("Accepted differences:") :]
    in_doc = set(re.findall(r"`([^`]+)`", listed))
    in_code = {pattern for pattern, _ in od.ACCEPTED_DIFFERENCES}
    assert in_doc == in_code, (
        f"docs/contract.md (openapi.same-contract) accepts {sorted(in_doc)}, "
        f"openapi_diff.ACCEPTED_DIFFERENCES {sorted(in_code)}"
    )
    if not in_code:
        assert "Accepted differences: none." in " ".join(listed.split())
