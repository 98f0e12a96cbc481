"""Every error as an RFC 9457 problem (``application/problem+json``).

Views raise; nothing else builds an error body. Two entry points feed one builder:

- ``exception_handler`` (DRF's ``EXCEPTION_HANDLER``) for everything raised inside
  an API view: DRF's own exceptions plus the Django and database errors that DRF
  leaves to a 500;
- ``bad_request``, ``permission_denied``, ``page_not_found`` and ``server_error``
  (Django's ``handler400/403/404/500``) for what never reaches a DRF view, such as
  an unknown path;
- ``problem_for`` for the one plain Django view (the asynchronous fan-out), which
  raises the same exceptions as the DRF views and gets the same answers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

PROBLEM_CONTENT_TYPE = "application/problem+json"

# contract: errors
# The contract's titles (not always Python's HTTPStatus phrases).
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


# contract: errors
class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource conflicts with one that exists."
    default_code = "conflict"


# contract: errors
class ContentTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than 65536 bytes."
    default_code = "content_too_large"


# contract: errors
class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is unavailable."
    default_code = "service_unavailable"


# contract: errors
class InvalidCredentials(exceptions.APIException):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "Invalid username or password."
    default_code = "invalid_credentials"


# contract: errors
def problem(
    status_code: int, detail: str, errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return body


# contract: errors
def field_errors(detail: Any, field: str = "body") -> Iterator[dict[str, str]]:
    """Flatten DRF's nested error detail into the contract's ``[{field, message}]``."""
    if isinstance(detail, Mapping):
        for name, nested in detail.items():
            yield from field_errors(nested, str(name))
    elif isinstance(detail, list):
        for nested in detail:
            yield from field_errors(nested, field)
    else:
        yield {"field": field, "message": str(detail)}


# contract: errors
def _as_api_exception(exc: Exception) -> exceptions.APIException | None:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return ContentTooLarge()
    # Connecting failed, the pool timed out or the connection dropped: the database is
    # unreachable, which is not a bug in this code.
    if isinstance(exc, OperationalError | InterfaceError):
        return ServiceUnavailable()
    return None


# contract: errors
def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    found = _problem(exc)
    if found is None:
        return None  # a bug: Django logs it and handler500 answers
    body, headers = found
    set_rollback()
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


# contract: errors
def problem_for(exc: Exception) -> JsonResponse | None:
    """``exception_handler``'s answer for a view outside DRF; None for a bug (re-raise it)."""
    found = _problem(exc)
    if found is None:
        return None
    body, headers = found
    return problem_response(body["status"], body["detail"], body.get("errors"), headers)


def _problem(exc: Exception) -> tuple[dict[str, Any], dict[str, str]] | None:
    api_exc = _as_api_exception(exc)
    if api_exc is None:
        return None
    headers: dict[str, str] = {}
    if api_exc.status_code == status.HTTP_401_UNAUTHORIZED:
        headers["WWW-Authenticate"] = getattr(api_exc, "auth_header", None) or "Bearer"
    if isinstance(api_exc, exceptions.ValidationError):
        # DRF's validation status is 400; the contract's is 422 (400 is for bodies
        # that are not JSON at all: ParseError).
        body = problem(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            "The request is not valid.",
            list(field_errors(api_exc.detail)),
        )
    else:
        body = problem(api_exc.status_code, _text(api_exc.detail))
    return body, headers


# contract: errors
def _text(detail: Any) -> str:
    if isinstance(detail, str):
        return detail
    return "; ".join(error["message"] for error in field_errors(detail))


# contract: errors
def problem_response(
    status_code: int,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JsonResponse:
    return JsonResponse(
        problem(status_code, detail, errors),
        status=status_code,
        headers=headers,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"separators": (",", ":")},  # compact, like DRF's renderer
    )


# contract: errors
def bad_request(request: HttpRequest, exception: Exception) -> JsonResponse:
    return problem_response(400, "The request could not be understood.")


# contract: errors
def permission_denied(request: HttpRequest, exception: Exception) -> JsonResponse:
    return problem_response(403, "You may not do this.")


# contract: errors
def page_not_found(request: HttpRequest, exception: Exception) -> JsonResponse:
    return problem_response(404, f"Nothing lives at {request.path}.")


# contract: errors
def server_error(request: HttpRequest) -> JsonResponse:
    return problem_response(500, "The server failed to answer; the error was logged.")
