"""The ASGI entry point: ``uvicorn impl_drf.asgi:application``.

Django's async path: ASGI requests resolve ``urls_asgi``, where
``GET /items/{id}/enriched`` is an async view (its fan-out waits on the event loop)
and every other route is the DRF view it is under WSGI, which Django runs in a
thread of its own per request.

Django does not speak the ASGI lifespan protocol, so ``application`` answers it
here: at shutdown it closes the process's downstream client, which was made on the
event loop by the first request that needed it. Everything else goes to Django.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import django
from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "impl_drf.settings")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class Request(ASGIRequest):
    # Django's per-request URLconf (what a middleware may set, set here for every
    # ASGI request): the router is the same, one path is served by the async view.
    urlconf = "impl_drf.urls_asgi"


class Handler(ASGIHandler):
    request_class = Request


async def _lifespan(receive: Receive, send: Send) -> None:
    from impl_drf.api.downstream import close_async_downstream

    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await close_async_downstream()
            await send({"type": "lifespan.shutdown.complete"})
            return


# What get_asgi_application() does, with this handler.
django.setup(set_prefix=False)
_django = Handler()


# contract: settings/app
async def application(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    else:
        # django-stubs types the ASGI callables more narrowly than the servers call them.
        await _django(scope, receive, send)  # type: ignore[arg-type]


# As wsgi.py: the URLconfs load at start-up, then the start-up heap is frozen.
get_resolver().url_patterns  # noqa: B018 (the access imports the URLconf)
get_resolver(Request.urlconf).url_patterns  # noqa: B018
gc.freeze()
