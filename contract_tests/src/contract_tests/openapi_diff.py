"""Compare OpenAPI documents structurally, as the contract sees them.

Three frameworks write the same contract into three documents that differ in ways
no client can observe: component names and ``$ref`` layout, titles and
descriptions, OpenAPI 3.0 (``nullable``) or 3.1 (``anyOf`` with ``null``), path
parameter names (``{item_id}`` or ``{id}``), ``2147483647.0`` for ``2147483647``.
:func:`normalise` removes those differences and keeps what a client relies on:
paths and methods, security, parameters, request bodies, and per status code the
media types, schemas and headers of responses. Schemas keep ``format``, which
generated clients type members by. :func:`flatten` turns the result into
``location -> value`` leaves and :func:`diff` lists what differs between two
documents, one readable line each.

The contract (rule ``openapi.same-contract``) lists the differences it accepts;
they are :data:`ACCEPTED_DIFFERENCES` here, as glob patterns over the locations.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from typing import Any

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Keywords that annotate a schema without changing what it accepts or returns. Not
# ``format``, which JSON Schema 2020-12 also calls an annotation: client generators
# type a member by it (``date-time`` becomes a ``datetime``), so a document that
# drops it hands clients another type.
ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "summary",
        "example",
        "examples",
        "$comment",
        "deprecated",
        "externalDocs",
        "xml",
        "readOnly",
        "writeOnly",
        "discriminator",
        "$schema",
        "$id",
        "contentMediaType",
    }
)

# In response bodies these keywords describe values the server writes; they vary
# with how a framework derives read shapes from write shapes (one serializer or
# two models) and no client depends on them. Types, members, required members,
# enums and additionalProperties are compared in responses too.
RESPONSE_ONLY_ANNOTATIONS = frozenset(
    {
        "default",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "pattern",
    }
)

# Where the three documents may differ: ``(glob over a location, why)``. Keep this
# short, and keep it equal to the list under ``openapi.same-contract`` in
# docs/contract.md (contract_tests/tests/test_openapi_diff.py checks that).
ACCEPTED_DIFFERENCES: tuple[tuple[str, str], ...] = ()


class NormaliseError(ValueError):
    """The document is not an OpenAPI document this module understands."""


def _pointer(document: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise NormaliseError(f"only local $refs are supported, got {ref!r}")
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise NormaliseError(f"unresolvable $ref {ref!r}")
        node = node[part]
    return node


def _resolve(document: dict[str, Any], node: Any, seen: tuple[str, ...] = ()) -> Any:
    """Follow ``$ref`` chains (siblings of a ``$ref`` are merged over the target)."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            raise NormaliseError(f"recursive $ref {ref!r} is not supported")
        seen = (*seen, ref)
        target = _pointer(document, ref)
        extra = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **extra} if isinstance(target, dict) else target
    return node


def _number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    if kind is None:
        return []
    return sorted(kind) if isinstance(kind, list) else [kind]


def normalise_schema(
    document: dict[str, Any],
    schema: Any,
    seen: tuple[str, ...] = (),
    *,
    response: bool = False,
) -> Any:
    """A JSON Schema with refs resolved, annotations dropped and 3.0/3.1 forms unified.

    ``response=True`` also drops :data:`RESPONSE_ONLY_ANNOTATIONS`.
    """
    if isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        if ref in seen:
            raise NormaliseError(f"recursive $ref {ref!r} is not supported")
        resolved = _resolve(document, schema)
        return normalise_schema(document, resolved, (*seen, ref), response=response)
    if not isinstance(schema, dict):
        return schema
    dropped = ANNOTATIONS | RESPONSE_ONLY_ANNOTATIONS if response else ANNOTATIONS
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in dropped or key.startswith("x-"):
            continue
        if key in ("properties", "patternProperties", "$defs", "definitions"):
            out[key] = {
                name: normalise_schema(document, sub, seen, response=response)
                for name, sub in value.items()
            }
        elif key in ("items", "not", "additionalProperties", "propertyNames", "contains"):
            out[key] = normalise_schema(document, value, seen, response=response)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [normalise_schema(document, sub, seen, response=response) for sub in value]
        elif key == "required":
            out[key] = sorted(value)
        elif key == "const":
            out["enum"] = [value]
        elif key == "enum":
            out[key] = sorted(value, key=json.dumps)
        else:
            out[key] = _number(value)
    return _unify(out)


def _unify(schema: dict[str, Any]) -> dict[str, Any]:
    # allOf with one member (a common way to put siblings next to a $ref): merge it.
    if isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
        (only,) = schema.pop("allOf")
        schema = _unify({**only, **schema})
    # OpenAPI 3.1 nullable: anyOf/oneOf [X, {"type": "null"}] -> X with "null" in its types.
    for key in ("anyOf", "oneOf"):
        members = schema.get(key)
        if isinstance(members, list) and len(members) == 2:
            nulls = [m for m in members if m == {"type": "null"}]
            others = [m for m in members if m != {"type": "null"}]
            if len(nulls) == 1 and len(others) == 1 and _types(others[0]):
                del schema[key]
                merged = {**others[0], **schema}
                merged["type"] = sorted({*_types(others[0]), "null"})
                schema = merged
    # OpenAPI 3.0 nullable: true -> "null" among the types.
    if schema.pop("nullable", False) is True:
        schema["type"] = sorted({*_types(schema), "null"})
    if isinstance(schema.get("type"), list):
        kinds = sorted(set(schema["type"]))
        schema["type"] = kinds[0] if len(kinds) == 1 else kinds
    if isinstance(schema.get("enum"), list) and None in schema["enum"]:
        # {"type": ["string", "null"], "enum": ["a", None]} and the 3.0 spelling agree
        schema["enum"] = sorted(schema["enum"], key=json.dumps)
    # OpenAPI 3.0 boolean exclusive bounds -> 3.1 numeric ones.
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if schema.get(bound) is True and limit in schema:
            schema[bound] = schema.pop(limit)
        elif schema.get(bound) is False:
            del schema[bound]
    if schema.get("additionalProperties") is True or schema.get("additionalProperties") == {}:
        del schema["additionalProperties"]
    return schema


def _path_key(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{id}", path)


def _media(document: dict[str, Any], content: Any, *, response: bool) -> dict[str, Any]:
    out = {}
    for media_type, body in (content or {}).items():
        body = _resolve(document, body)
        schema = body.get("schema", {})
        out[media_type.lower()] = normalise_schema(document, schema, response=response)
    return out


def _security(document: dict[str, Any], operation: dict[str, Any]) -> str:
    """``none``, ``bearer`` or ``optional bearer``, whatever the scheme is named."""
    requirements = operation.get("security", document.get("security", []))
    schemes = document.get("components", {}).get("securitySchemes", {})
    kinds = set()
    for requirement in requirements:
        if not requirement:
            kinds.add("anonymous")
        for name in requirement:
            scheme = _resolve(document, schemes.get(name, {}))
            kind = f"{scheme.get('type', '?')} {str(scheme.get('scheme', '')).lower()}".strip()
            kinds.add("bearer" if kind == "http bearer" else kind)
    named = sorted(kinds - {"anonymous"})
    if not named:
        return "none"
    return ("optional " if "anonymous" in kinds else "") + " or ".join(named)


def normalise(document: dict[str, Any]) -> dict[str, Any]:
    """The client-visible structure of an OpenAPI 3.0/3.1 document.

    ``{"METHOD /path/{id}": {"security", "parameters", "requestBody", "responses"}}``.
    """
    if not isinstance(document.get("paths"), dict):
        raise NormaliseError("the document has no paths object")
    operations: dict[str, Any] = {}
    for path, item in document["paths"].items():
        item = _resolve(document, item)
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            operation = _resolve(document, item[method])
            key = f"{method.upper()} {_path_key(path)}"
            parameters: dict[str, Any] = {}
            merged = {}
            for raw in [*shared, *operation.get("parameters", [])]:
                parameter = _resolve(document, raw)
                merged[(parameter["in"], parameter["name"])] = parameter
            for (location, name), parameter in merged.items():
                label = f"{location} {'{id}' if location == 'path' else name}"
                parameters[label] = {
                    "required": bool(parameter.get("required", location == "path")),
                    "schema": normalise_schema(document, parameter.get("schema", {})),
                }
            entry: dict[str, Any] = {
                "security": _security(document, operation),
                "parameters": parameters,
            }
            if "requestBody" in operation:
                body = _resolve(document, operation["requestBody"])
                entry["requestBody"] = {
                    "required": bool(body.get("required", False)),
                    "content": _media(document, body.get("content"), response=False),
                }
            responses = {}
            for status, raw in operation.get("responses", {}).items():
                response = _resolve(document, raw)
                headers = {
                    name.lower(): normalise_schema(
                        document, _resolve(document, header).get("schema", {}), response=True
                    )
                    for name, header in response.get("headers", {}).items()
                }
                responses[str(status)] = {
                    "content": _media(document, response.get("content"), response=True),
                    "headers": headers,
                }
            entry["responses"] = responses
            operations[key] = entry
    return operations


Location = tuple[str, ...]


def flatten(node: Any, prefix: Location = ()) -> dict[Location, str]:
    """``{("POST /items", "responses", "201", ..., "type"): '"integer"'}``: leaves as JSON."""
    leaves: dict[Location, str] = {}
    if isinstance(node, dict) and node:
        for key in sorted(node):
            leaves.update(flatten(node[key], (*prefix, str(key))))
    else:
        leaves[prefix] = json.dumps(node, sort_keys=True, ensure_ascii=False)
    return leaves


@dataclass(frozen=True)
class Difference:
    location: str  # the parts joined by spaces: "POST /items responses 422"
    left: str | None  # None: absent on that side
    right: str | None

    def describe(self, left_name: str, right_name: str) -> str:
        if self.left is None:
            return f"{self.location}: only in {right_name} ({self.right})"
        if self.right is None:
            return f"{self.location}: only in {left_name} ({self.left})"
        return f"{self.location}: {left_name} {self.left} != {right_name} {self.right}"


def _collapse(leaves: dict[Location, str], other: dict[Location, str]) -> dict[Location, str]:
    """Leaves under a location the other side lacks entirely, folded into that location.

    So a whole missing response reads as one line (``... responses 415: only in flask``)
    instead of one line per leaf under it.
    """
    other_prefixes = {location[:i] for location in other for i in range(1, len(location) + 1)}
    out: dict[Location, str] = {}
    for location, value in leaves.items():
        cut = next(
            (location[:i] for i in range(1, len(location)) if location[:i] not in other_prefixes),
            None,
        )
        if cut is None:
            out[location] = value
        else:
            out.setdefault(cut, "{...}")
    return out


def diff(left: dict[str, Any], right: dict[str, Any]) -> list[Difference]:
    """What differs between two normalised documents, sorted by location."""
    a, b = flatten(left), flatten(right)
    a_view, b_view = _collapse(a, b), _collapse(b, a)
    out = []
    for location in sorted(set(a_view) | set(b_view)):
        x, y = a_view.get(location), b_view.get(location)
        if x != y:
            out.append(Difference(" ".join(location), x, y))
    return out


def accepted_reason(location: str) -> str | None:
    for pattern, reason in ACCEPTED_DIFFERENCES:
        if fnmatch.fnmatchcase(location, pattern) or fnmatch.fnmatchcase(location + " ", pattern):
            return reason
    return None


def unexpected(differences: list[Difference]) -> list[Difference]:
    return [d for d in differences if accepted_reason(d.location) is None]


def report(differences: list[Difference], left_name: str, right_name: str) -> str:
    lines = [f"--- {left_name}", f"+++ {right_name}"]
    for difference in differences:
        note = accepted_reason(difference.location)
        mark = "  (accepted)" if note else ""
        lines.append(difference.describe(left_name, right_name) + mark)
    return "\n".join(lines)
