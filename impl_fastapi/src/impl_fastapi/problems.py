"""Every error leaves the API as RFC 9457 ``application/problem+json``.

Views raise (``HTTPException``, validation errors, database errors); the handlers
here are the only place that builds an error body, through ``problem()``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, Literal

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import models_json_schema
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from impl_fastapi.downstream import DownstreamError

logger = logging.getLogger(__name__)

# contract: errors
# The contract's table. HTTPStatus phrases differ between Python versions
# (413 became "Content Too Large" in 3.13), so titles never come from there.
TITLES: Mapping[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

# contract: errors
# Failures that mean "the database cannot be reached right now", not "the request
# is wrong": refused or timed-out connections, a dropped connection, an exhausted pool.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    psycopg.OperationalError,
)


class FieldError(BaseModel):
    # Documented as exactly these members, each always present (defaults included).
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    field: str
    message: str


class Problem(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    type: Literal["about:blank"] = "about:blank"
    title: str
    status: int
    detail: str


class ValidationProblem(Problem):
    errors: list[FieldError]


# contract: errors
class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"

    def render(self, content: Any) -> bytes:
        # ASCII escapes: a field name echoed from the request may hold a lone
        # surrogate, which UTF-8 cannot encode but a JSON escape can.
        return json.dumps(content, separators=(",", ":")).encode("ascii")


# contract: errors
def problem(
    status: int,
    title: str | None = None,
    detail: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    """The one builder of error responses."""
    if title is None:
        title = TITLES.get(status) or HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if errors is not None:
        body["errors"] = [error.model_dump() for error in errors]
    return ProblemResponse(body, status_code=status, headers=headers)


# contract: errors
def _allowed_methods(request: Request) -> str:
    """Every method routed for this path, not only those of the route that answered.

    The router's 405 carries the ``Allow`` of one route, but ``GET /items`` and
    ``POST /items`` are two routes; the contract wants both listed. ``create_app``
    records the API routes in ``app.state.api_routes`` for this.
    """
    path = request.url.path
    methods: set[str] = set()
    for route in request.app.state.api_routes:
        if route.path_regex.match(path):
            methods.update(route.methods)
    return ", ".join(sorted(methods))


# contract: errors
async def http_exception_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return problem(exc.status_code, detail=str(exc.detail), headers=headers)


# contract: errors
def _field_name(loc: Sequence[str | int]) -> str:
    # ("body", "name") -> "name"; ("query", "limit") -> "limit"; ("body",) -> "body":
    # the whole body is wrong (not an object, or missing).
    if len(loc) > 1 and loc[0] in {"body", "query", "path", "header"}:
        return str(loc[1])
    return str(loc[0]) if loc else "body"


# contract: errors
async def validation_exception_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    details = exc.errors()
    # FastAPI reports undecodable JSON as a validation error; the contract calls it 400.
    if any(error["type"] == "json_invalid" for error in details):
        return problem(400, detail="The request body is not valid JSON.")
    errors = [
        FieldError(field=_field_name(error["loc"]), message=error["msg"]) for error in details
    ]
    return problem(422, detail="The request is invalid; see errors.", errors=errors)


# contract: errors
async def database_unavailable_handler(request: Request, exc: Exception) -> ProblemResponse:
    logger.warning("Database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return problem(503, detail="The database is unavailable; try again later.")


# contract: errors
async def downstream_error_handler(request: Request, exc: Exception) -> ProblemResponse:
    # A failing dependency is worth a line in the log: the client only sees 502 or 504.
    assert isinstance(exc, DownstreamError)
    logger.warning("Downstream failure on %s %s: %s", request.method, request.url.path, exc)
    return problem(exc.status_code, detail=str(exc))


# contract: errors
async def unhandled_exception_handler(request: Request, exc: Exception) -> ProblemResponse:
    # The server logs the traceback (Starlette re-raises after this response);
    # the client gets no detail about it.
    logger.error("Unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return problem(500, detail="An unexpected error occurred.")


# contract: errors
def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    app.add_exception_handler(RequestValidationError, validation_exception_handler)
    for exc_class in DATABASE_UNAVAILABLE:
        app.add_exception_handler(exc_class, database_unavailable_handler)
    app.add_exception_handler(DownstreamError, downstream_error_handler)
    app.add_exception_handler(Exception, unhandled_exception_handler)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the problem bodies a route can return."""
    return {
        status: {
            "description": TITLES[status],
            "content": {
                "application/problem+json": {
                    "schema": {"$ref": f"{_SCHEMA_REF}{_problem_model(status).__name__}"}
                }
            },
        }
        for status in statuses
    }


# contract: openapi.same-contract
LOCATION_HEADER = {"Location": {"description": "The new resource", "schema": {"type": "string"}}}
TOTAL_COUNT_HEADER = {
    "X-Total-Count": {"description": "The number of all items", "schema": {"type": "integer"}}
}
_FASTAPI_VALIDATION_ERROR = "#/components/schemas/HTTPValidationError"


def _drop_default_validation_responses(openapi: dict[str, Any]) -> None:
    """Remove the 422 FastAPI adds to every route with parameters.

    It documents FastAPI's own error shape, which this API never sends (every error is
    a problem), and it lands on routes that cannot answer 422 at all: an item id that
    is not an integer is a 404 here. Routes that can give 422 declare it themselves.
    """
    for path_item in openapi.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            schema = responses.get("422", {}).get("content", {}).get("application/json", {})
            if schema.get("schema", {}).get("$ref") == _FASTAPI_VALIDATION_ERROR:
                del responses["422"]
    schemas = openapi.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)


def _integer_bounds(node: Any) -> None:
    """Write the bounds of integer schemas as integers.

    FastAPI's OpenAPI models type ``minimum``/``maximum`` as floats, so ``le=100``
    comes out as ``100.0``. A client (or a fuzzer) reading ``2147483647.0`` may well
    send ``5.0``, which the contract refuses (items.create.price-integer-only).
    """
    if isinstance(node, dict):
        if node.get("type") == "integer":
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                value = node.get(key)
                if isinstance(value, float) and value.is_integer():
                    node[key] = int(value)
        for value in node.values():
            _integer_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _integer_bounds(value)


def add_problem_schemas(openapi: dict[str, Any]) -> dict[str, Any]:
    """Register the problem models that ``problem_responses`` refers to."""
    _drop_default_validation_responses(openapi)
    _integer_bounds(openapi)
    _, definitions = models_json_schema(
        [(Problem, "serialization"), (ValidationProblem, "serialization")],
        ref_template=_SCHEMA_REF + "{model}",
    )
    openapi.setdefault("components", {}).setdefault("schemas", {}).update(definitions["$defs"])
    return openapi


_SCHEMA_REF = "#/components/schemas/"


def _problem_model(status: int) -> type[Problem]:
    return ValidationProblem if status == 422 else Problem
