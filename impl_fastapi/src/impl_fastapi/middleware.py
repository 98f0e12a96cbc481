"""Pure ASGI guards for the contract's size limits: 64 KiB bodies, 8 KiB request targets.

FastAPI's own ``max_body_size`` answers with a plain-text 413 (and replaces any
response to a request whose ``Content-Length`` is too large), so it cannot give
the problem body the contract requires. uvicorn sets no limit on the request
target at all.
"""

from __future__ import annotations

from fastapi import HTTPException, status
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from impl_fastapi.problems import problem


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            # Refused from the header alone: the body is never read, so the connection
            # cannot carry another request (some servers would otherwise try).
            response = problem(413, detail=self._detail, headers={"Connection": "close"})
            await response(scope, receive, send)
            return

        received = 0

        async def receive_within_limit() -> Message:
            # A body without Content-Length (chunked) is counted as it arrives.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=self._detail)
            return message

        await self.app(scope, receive_within_limit, send)

    @property
    def _detail(self) -> str:
        return f"The request body is larger than {self.max_bytes} bytes."


class RequestTargetLimit:
    """414 for a request target (path and query string as sent) over ``max_bytes``.

    Measured on the bytes received: ASGI's ``raw_path`` (uvicorn and granian both
    set it), never the decoded ``path``, where ``%41`` counts one byte instead of three.
    Neither server limits the target itself, so this is the only limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # (the decoded path only for a server without raw_path, which is optional in ASGI)
            path: bytes = scope.get("raw_path") or scope["path"].encode()
            query: bytes = scope.get("query_string", b"")
            if len(path) + (len(query) + 1 if query else 0) > self.max_bytes:
                detail = f"The request target is longer than {self.max_bytes} bytes."
                await problem(414, detail=detail)(scope, receive, send)
                return
        await self.app(scope, receive, send)
