"""The exception handler and Django's error handlers: problem+json for every error."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory

from impl_drf.api import problems
from impl_drf.api.downstream import BadGateway, GatewayTimeout

CONTRACT_TITLES = {
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


def handle(exc: Exception) -> tuple[int, dict[str, object], dict[str, str]]:
    response = problems.exception_handler(exc, {})
    assert response is not None
    assert response.content_type == "application/problem+json"  # set when rendered
    return response.status_code, dict(response.data), dict(response.headers)


def test_titles_are_the_contracts() -> None:
    assert problems.TITLES == CONTRACT_TITLES


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (exceptions.ParseError(), 400),
        (exceptions.NotAuthenticated(), 401),
        (exceptions.AuthenticationFailed(), 401),
        (problems.InvalidCredentials(), 401),
        (exceptions.PermissionDenied(), 403),
        (PermissionDenied(), 403),
        (exceptions.NotFound(), 404),
        (Http404(), 404),
        (exceptions.MethodNotAllowed("PUT"), 405),
        (problems.Conflict(), 409),
        (problems.ContentTooLarge(), 413),
        (RequestDataTooBig(), 413),
        (exceptions.UnsupportedMediaType("text/plain"), 415),
        (OperationalError("connection refused"), 503),
        (InterfaceError("connection already closed"), 503),
        (BadGateway("Downstream call 0 answered 503."), 502),
        (GatewayTimeout(), 504),
    ],
)
def test_errors_become_problems(exc: Exception, status: int) -> None:
    code, body, _ = handle(exc)
    assert code == status
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["type"] == "about:blank"
    assert body["title"] == CONTRACT_TITLES[status]
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert body["detail"]


def test_every_401_challenges_with_bearer() -> None:
    for exc in (exceptions.NotAuthenticated(), problems.InvalidCredentials()):
        _, _, headers = handle(exc)
        assert headers["WWW-Authenticate"].startswith("Bearer")


def test_validation_errors_are_422_with_a_flat_list() -> None:
    exc = exceptions.ValidationError(
        {"name": ["Too long.", "Has a control character."], "body": ["Not an object."]}
    )
    code, body, _ = handle(exc)
    assert code == 422
    assert body["title"] == "Unprocessable Content"
    assert body["errors"] == [
        {"field": "name", "message": "Too long."},
        {"field": "name", "message": "Has a control character."},
        {"field": "body", "message": "Not an object."},
    ]


def test_a_validation_error_without_a_field_names_the_body() -> None:
    _, body, _ = handle(exceptions.ValidationError("Not an object."))
    assert body["errors"] == [{"field": "body", "message": "Not an object."}]


def test_bugs_are_left_to_handler500() -> None:
    assert problems.exception_handler(ZeroDivisionError(), {}) is None
    assert problems.problem_for(ZeroDivisionError()) is None


@pytest.mark.parametrize(
    "exc",
    [
        exceptions.NotAuthenticated(),
        exceptions.AuthenticationFailed("The access token is invalid or expired."),
        exceptions.NotFound(),
        exceptions.ValidationError({"fanout": ["A valid integer is required."]}),
        OperationalError("connection refused"),
        BadGateway(),
        GatewayTimeout(),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_a_plain_django_view_gets_the_answer_of_a_drf_one(exc: Exception) -> None:
    # The asynchronous fan-out is no DRF view: problem_for gives it the same problems.
    status, body, headers = handle(exc)
    response = problems.problem_for(exc)
    assert response is not None
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content) == body
    assert response.get("WWW-Authenticate") == headers.get("WWW-Authenticate")


@pytest.mark.parametrize(
    ("handler", "status"),
    [
        (problems.bad_request, 400),
        (problems.permission_denied, 403),
        (problems.page_not_found, 404),
    ],
)
def test_django_handlers_answer_problems(
    handler: Callable[[HttpRequest, Exception], HttpResponse], status: int
) -> None:
    request = APIRequestFactory().get("/items/")
    response = handler(request, Exception())
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["title"] == CONTRACT_TITLES[status]


def test_server_error_shows_no_traceback() -> None:
    response = problems.server_error(APIRequestFactory().get("/items"))
    body = json.loads(response.content)
    assert response.status_code == 500
    assert body == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": body["detail"],
    }
    assert "Traceback" not in body["detail"]
