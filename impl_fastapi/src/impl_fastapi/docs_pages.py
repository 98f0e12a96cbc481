"""A Content-Security-Policy for the API docs pages: nothing from any other host.

The pages' assets are served locally (FastAPIOffline), but ReDoc's bundle still
asks cdn.redoc.ly for its footer logo, with no option to turn that off. The policy
makes the browser refuse that request (ReDoc then hides the image), so the pages
make no request to any host but this server, online or offline.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DOCS_PAGE_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
)


class DocsPagePolicy:
    """Add ``DOCS_PAGE_POLICY`` to the responses of the given docs page paths."""

    def __init__(self, app: ASGIApp, paths: frozenset[str]) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Content-Security-Policy"] = DOCS_PAGE_POLICY
            await send(message)

        await self.app(scope, receive, send_with_policy)
