"""The one error layer: every 4xx and 5xx leaves as RFC 9457 problem+json.

Views never build error bodies; they ``abort(status, message=...)`` or let an
exception propagate. Three doors lead here:

- ``ProblemApi.handle_http_exception``: every werkzeug ``HTTPException``
  (routing 404/405, 413, 415, webargs' 422, ``abort``, the downstream service's
  502 and 504 from ``downstream.py``) and, through Flask's
  ``InternalServerError`` wrapping, any unhandled exception (500, no traceback);
- ``handle_database_unavailable``: the database cannot be reached (503);
- ``register_jwt_handlers``: flask-jwt-extended's loaders (401).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from flask import Response, current_app
from flask_jwt_extended import JWTManager
from flask_smorest import Api  # type: ignore[import-untyped]  # ships no type information
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from impl_flask.schemas import Problem, ValidationProblem

PROBLEM_MIMETYPE = "application/problem+json"

# contract: errors
TITLES = {
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

BEARER_CHALLENGE = "Bearer"
REJECTED_CHALLENGE = 'Bearer error="invalid_token"'

Headers = Iterable[tuple[str, str]]


# contract: errors
def problem(
    status: int,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: Headers = (),
) -> Response:
    """Build the problem+json response; the only place an error body is made."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status) or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if status == 422:
        body["errors"] = errors or [{"field": "body", "message": detail}]
    response = current_app.response_class(
        current_app.json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE
    )
    response.headers.extend(headers)
    if status == 401 and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = BEARER_CHALLENGE
    return response


# contract: errors
def field_errors(messages: Mapping[str, Any]) -> list[dict[str, str]]:
    """Flatten webargs' ``{location: {field: [message, ...]}}`` into the contract's list.

    marshmallow reports a body that is not an object under ``_schema``; the
    contract calls that field ``body``.
    """
    errors: list[dict[str, str]] = []
    for field_messages in messages.values():
        for field, found in field_messages.items():
            name = "body" if field == "_schema" else str(field)
            errors.extend({"field": name, "message": message} for message in _texts(found))
    return errors


# contract: errors
def _texts(found: Any) -> Iterable[str]:
    if isinstance(found, Mapping):
        for nested in found.values():
            yield from _texts(nested)
    elif isinstance(found, list | tuple):
        for nested in found:
            yield from _texts(nested)
    else:
        yield str(found)


# contract: errors
class ProblemApi(Api):  # type: ignore[misc]  # flask-smorest is untyped
    ERROR_SCHEMA = Problem
    # Every operation lists the errors it can answer; no catch-all "default" response.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_responses(self) -> None:
        # As smorest does, but error responses are documented as problem+json.
        for status in HTTPStatus:
            response: dict[str, Any] = {"description": TITLES.get(status, status.phrase)}
            if status >= 400:
                schema = ValidationProblem if status == 422 else self.ERROR_SCHEMA
                response["content"] = {PROBLEM_MIMETYPE: {"schema": schema}}
            self.spec.components.response(status.name, response, lazy=True)

    def _register_error_handlers(self) -> None:
        super()._register_error_handlers()
        for exc_class in (OperationalError, InterfaceError, PoolTimeoutError):
            self._app.register_error_handler(exc_class, handle_database_unavailable)

    def handle_http_exception(self, error: HTTPException) -> Response:
        status = error.code or 500
        if isinstance(error, InternalServerError) or status == 500:
            # Flask has already logged the original exception; the client sees none of it.
            return problem(status, "The server could not complete the request.")
        # webargs' and smorest's ``abort`` carry their details in ``error.data``.
        data: Mapping[str, Any] = getattr(error, "data", None) or {}
        errors = field_errors(data["messages"]) if "messages" in data else None
        if errors:
            detail = "The request has invalid members or parameters."
        else:
            detail = data.get("message") or error.description or HTTPStatus(status).description
        # Keep what werkzeug adds on purpose (Allow on 405), drop its HTML content type.
        headers = [
            (name, value) for name, value in error.get_headers() if name.lower() != "content-type"
        ]
        headers.extend((data.get("headers") or {}).items())
        return problem(status, detail, errors=errors, headers=headers)


# contract: errors
def handle_database_unavailable(error: Exception) -> Response:
    current_app.logger.warning("database unavailable: %s", error.__class__.__name__)
    return problem(503, "The database is unavailable.")


# contract: errors
def register_jwt_handlers(jwt: JWTManager) -> None:
    """Answer flask-jwt-extended's failures here (its defaults are plain JSON, some 422)."""

    def missing(_reason: str) -> Response:
        return problem(
            401, "Missing bearer token.", headers=[("WWW-Authenticate", BEARER_CHALLENGE)]
        )

    def rejected(_reason: str) -> Response:
        return problem(
            401,
            "The bearer token is invalid.",
            headers=[("WWW-Authenticate", REJECTED_CHALLENGE)],
        )

    def rejected_claims(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return rejected("")

    jwt.unauthorized_loader(missing)
    jwt.invalid_token_loader(rejected)
    jwt.expired_token_loader(rejected_claims)
    jwt.user_lookup_error_loader(rejected_claims)
    jwt.token_verification_failed_loader(rejected_claims)
    jwt.revoked_token_loader(rejected_claims)
    jwt.needs_fresh_token_loader(rejected_claims)
