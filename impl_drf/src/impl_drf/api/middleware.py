"""What every request goes through before and after Django's own middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, UnreadablePostError

from impl_drf.api.problems import problem_response

# Read in pieces of this size; nothing unread is kept.
_DRAIN_CHUNK_BYTES = 65_536


# contract: errors
class RequestTargetLimitMiddleware:
    """414 for a request target (path and query string) over ``MAX_REQUEST_TARGET_BYTES``.

    Django itself sets no limit; the HTTP server's own (gunicorn's) would answer with
    an HTML page, so it is lifted and this one applies instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit: int = settings.MAX_REQUEST_TARGET_BYTES
        if len(request_target(request)) > limit:
            return problem_response(414, f"The request target is longer than {limit} bytes.")
        return self.get_response(request)


def request_target(request: HttpRequest) -> str:
    """The request target as the client sent it, or the shortest it can have been.

    gunicorn passes it as ``RAW_URI`` (uWSGI and mod_wsgi as ``REQUEST_URI``). Granian's
    WSGI environ carries only the percent-decoded ``PATH_INFO``; Django's re-encoding of
    it is a lower bound (a path sent as ``%41%41…`` reads as ``AA…``), see the README.
    """
    return request.META.get("RAW_URI") or request.META.get("REQUEST_URI") or request.get_full_path()


class DrainRequestBodyMiddleware:
    """Read what the view left of the request body before the answer goes out.

    A view may answer without reading the body (413, 415, 401, 404, ...). Granian then
    drops the kept-alive connection without saying so (no ``Connection: close``), and
    the client's next request on it fails. Django's development server drains the same
    way (``ServerHandler.close``). Bodies over ``DRAIN_LIMIT_BYTES`` are left to the
    server, which closes the connection after the answer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) <= settings.DRAIN_LIMIT_BYTES:
            try:
                # Django's stream stops at Content-Length; what the view read is not read again.
                while request.read(_DRAIN_CHUNK_BYTES):
                    pass
            except UnreadablePostError:
                pass  # the client went away: the answer will not reach it either
        return response
