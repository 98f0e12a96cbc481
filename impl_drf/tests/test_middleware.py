"""The request-target limit and the body drain, on requests built without a server."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from impl_drf.api.middleware import (
    DrainRequestBodyMiddleware,
    RequestTargetLimitMiddleware,
    request_target,
)


def answer_without_reading(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=415)


def test_the_raw_target_counts_when_the_server_passes_it() -> None:
    encoded = "/items/" + "%41" * 3000  # 9,007 bytes as sent, 3,007 once decoded
    request = RequestFactory().get("/items/" + "A" * 3000, RAW_URI=encoded)

    response = RequestTargetLimitMiddleware(answer_without_reading)(request)

    assert request_target(request) == encoded
    assert response.status_code == 414
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("key", ["RAW_URI", "REQUEST_URI"])
def test_a_target_at_the_limit_is_served(key: str) -> None:
    target = "/items?pad=" + "a" * (8_192 - len("/items?pad="))
    request = RequestFactory().get("/items", {"pad": target[11:]})
    request.META[key] = target

    assert RequestTargetLimitMiddleware(answer_without_reading)(request).status_code == 415


def test_without_a_raw_target_the_decoded_one_is_re_encoded() -> None:
    request = RequestFactory().get("/items/caf\u00e9")
    assert request_target(request) == "/items/caf%C3%A9"


def test_an_unread_body_is_drained_after_the_answer() -> None:
    request = RequestFactory().post("/items", b"x" * 70_000, content_type="application/json")

    response = DrainRequestBodyMiddleware(answer_without_reading)(request)

    assert response.status_code == 415
    assert request.read() == b""


@override_settings(DRAIN_LIMIT_BYTES=1_000)
def test_a_body_over_the_drain_limit_is_left_to_the_server() -> None:
    request = RequestFactory().post("/items", b"x" * 2_000, content_type="application/json")

    DrainRequestBodyMiddleware(answer_without_reading)(request)

    assert len(request.read()) == 2_000
