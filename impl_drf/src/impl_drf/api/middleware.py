"""What every request goes through before and after Django's own middleware.

Each runs both ways, as Django's own middleware does: called by the WSGI handler, or
awaited by the ASGI one. A middleware that is sync only would make Django run the
rest of the chain, async view included, from a thread it holds for the whole
request (asgiref's ``async_to_sync`` inside ``sync_to_async``), and the async view
would wait downstream on a thread like any sync view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from whitenoise.middleware import WhiteNoiseMiddleware

from impl_drf.api.problems import problem_response

GetResponse = Callable[[HttpRequest], Any]


class SyncAndAsyncMiddleware:
    """Django's documented pattern for a middleware that supports both modes."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        """A response, or under ASGI an awaitable of one."""
        raise NotImplementedError


# Read in pieces of this size; nothing unread is kept.
_DRAIN_CHUNK_BYTES = 65_536


# contract: errors
class RequestTargetLimitMiddleware(SyncAndAsyncMiddleware):
    """414 for a request target (path and query string) over ``MAX_REQUEST_TARGET_BYTES``.

    Django itself sets no limit; the HTTP server's own (gunicorn's) would answer with
    an HTML page, so it is lifted and this one applies instead.
    """

    def __call__(self, request: HttpRequest) -> Any:
        limit: int = settings.MAX_REQUEST_TARGET_BYTES
        if len(request_target(request)) > limit:
            refused = problem_response(414, f"The request target is longer than {limit} bytes.")
            return _answered(refused) if self.is_async else refused
        return self.get_response(request)


async def _answered(response: HttpResponse) -> HttpResponse:
    return response


def request_target(request: HttpRequest) -> str:
    """The request target as the client sent it, or the shortest it can have been.

    gunicorn passes it as ``RAW_URI`` (uWSGI and mod_wsgi as ``REQUEST_URI``), an ASGI
    server as the scope's ``raw_path`` and ``query_string``. Granian's WSGI environ
    carries only the percent-decoded ``PATH_INFO``; Django's re-encoding of it is a
    lower bound (a path sent as ``%41%41…`` reads as ``AA…``), see the README.
    """
    scope: dict[str, Any] | None = getattr(request, "scope", None)
    if scope is not None and scope.get("raw_path") is not None:
        query = scope.get("query_string", b"")
        raw = scope["raw_path"] + (b"?" + query if query else b"")
        return str(raw.decode("latin-1"))
    target: str = (
        request.META.get("RAW_URI") or request.META.get("REQUEST_URI") or request.get_full_path()
    )
    return target


class DrainRequestBodyMiddleware(SyncAndAsyncMiddleware):
    """Read what the view left of the request body before the answer goes out.

    A view may answer without reading the body (413, 415, 401, 404, ...). Granian then
    drops the kept-alive connection without saying so (no ``Connection: close``), and
    the client's next request on it fails. Django's development server drains the same
    way (``ServerHandler.close``). Bodies over ``DRAIN_LIMIT_BYTES`` are left to the
    server, which closes the connection after the answer.

    Under ASGI there is nothing to drain: Django's ASGI handler has read the whole body
    from the server before the request reaches any middleware.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.get_response(request)
        response: HttpResponse = self.get_response(request)
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) <= settings.DRAIN_LIMIT_BYTES:
            try:
                # Django's stream stops at Content-Length; what the view read is not read again.
                while request.read(_DRAIN_CHUNK_BYTES):
                    pass
            except UnreadablePostError:
                pass  # the client went away: the answer will not reach it either
        return response


class StaticFilesMiddleware(WhiteNoiseMiddleware):  # type: ignore[misc]  # untyped
    """WhiteNoise, without holding a thread for every ASGI request.

    WhiteNoise's middleware is sync only. Under ASGI it would make every request,
    the async view's included, run in a thread (see the module's docstring); here
    only a request for a static file goes to a thread (to open the file), and every
    other one passes straight through. Under WSGI it is WhiteNoise's own.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse, *args: Any, **kwargs: Any) -> None:
        super().__init__(get_response, *args, **kwargs)
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        return super().__call__(request)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        if self.autorefresh:  # DEBUG only: looks on disk
            static_file = await sync_to_async(self.find_file)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            served: HttpResponse = await sync_to_async(self.serve)(static_file, request)
            return served
        response: HttpResponse = await self.get_response(request)
        return response
