"""Refuse an over-long request target before anything else looks at the request."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from impl_drf.api.problems import problem_response


class RequestTargetLimitMiddleware:
    """414 for a request target (path and query string) over ``MAX_REQUEST_TARGET_BYTES``.

    Django itself sets no limit; the HTTP server's own (gunicorn's) would answer with
    an HTML page, so it is lifted and this one applies instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # RAW_URI is the target as sent (gunicorn); other servers get Django's rebuild.
        target = request.META.get("RAW_URI") or request.get_full_path()
        limit: int = settings.MAX_REQUEST_TARGET_BYTES
        if len(target) > limit:
            return problem_response(414, f"The request target is longer than {limit} bytes.")
        return self.get_response(request)
