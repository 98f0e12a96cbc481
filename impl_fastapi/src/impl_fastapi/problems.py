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
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

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
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

# Failures that mean "the database cannot be reached right now", not "the request
# is wrong": refused or timed-out connections, a dropped connection, an exhausted pool.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    psycopg.OperationalError,
)


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    type: Literal["about:blank"] = "about:blank"
    title: str
    status: int
    detail: str


class ValidationProblem(Problem):
    errors: list[FieldError]


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"

    def render(self, content: Any) -> bytes:
        # ASCII escapes: a field name echoed from the request may hold a lone
        # surrogate, which UTF-8 cannot encode but a JSON escape can.
        return json.dumps(content, separators=(",", ":")).encode("ascii")


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


async def http_exception_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return problem(exc.status_code, detail=str(exc.detail), headers=headers)


def _field_name(loc: Sequence[str | int]) -> str:
    # ("body", "name") -> "name"; ("query", "limit") -> "limit"; ("body",) -> "body":
    # the whole body is wrong (not an object, or missing).
    if len(loc) > 1 and loc[0] in {"body", "query", "path", "header"}:
        return str(loc[1])
    return str(loc[0]) if loc else "body"


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


async def database_unavailable_handler(request: Request, exc: Exception) -> ProblemResponse:
    logger.warning("Database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return problem(503, detail="The database is unavailable; try again later.")


async def unhandled_exception_handler(request: Request, exc: Exception) -> ProblemResponse:
    # The server logs the traceback (Starlette re-raises after this response);
    # the client gets no detail about it.
    logger.error("Unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return problem(500, detail="An unexpected error occurred.")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    app.add_exception_handler(RequestValidationError, validation_exception_handler)
    for exc_class in DATABASE_UNAVAILABLE:
        app.add_exception_handler(exc_class, database_unavailable_handler)
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


def add_problem_schemas(openapi: dict[str, Any]) -> dict[str, Any]:
    """Register the problem models that ``problem_responses`` refers to."""
    _, definitions = models_json_schema(
        [(Problem, "serialization"), (ValidationProblem, "serialization")],
        ref_template=_SCHEMA_REF + "{model}",
    )
    openapi.setdefault("components", {}).setdefault("schemas", {}).update(definitions["$defs"])
    return openapi


_SCHEMA_REF = "#/components/schemas/"


def _problem_model(status: int) -> type[Problem]:
    return ValidationProblem if status == 422 else Problem
