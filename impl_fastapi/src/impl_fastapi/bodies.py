"""Request bodies are parsed once, as UTF-8 I-JSON (RFC 7493), by the route itself.

FastAPI reads a JSON body with Starlette's ``Request.json()`` before any dependency
runs, then validates the parsed value against the route's model. That parser also
reads UTF-16 and UTF-32 and keeps the last of two members with one name; the
contract wants UTF-8 and no duplicates. Rather than parse the body a second time to
check, the routes use FastAPI's custom request class recipe ("Custom Request and
APIRoute class"): the one parse is this stricter one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response, status
from fastapi.routing import APIRoute


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise ValueError("an object names a member twice")
    return members


# contract: bodies.malformed, bodies.duplicate-members, bodies.hostile-json
class IJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(body.decode("utf-8"), object_pairs_hook=_unique_members)
            except (ValueError, RecursionError) as exc:
                # An HTTPException passes FastAPI's body reading unchanged.
                raise HTTPException(
                    status.HTTP_400_BAD_REQUEST,
                    detail="The request body is not UTF-8 JSON with unique member names.",
                ) from exc
        return self._json


# contract: bodies.malformed, bodies.duplicate-members, bodies.hostile-json
class IJSONRoute(APIRoute):
    """A route whose body, if it has one, is read by ``IJSONRequest``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def ijson_handler(request: Request) -> Response:
            return await handler(IJSONRequest(request.scope, request.receive))

        return ijson_handler
