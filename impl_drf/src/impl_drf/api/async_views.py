"""``GET /items/{id}/enriched`` as Django's own async view, for ASGI servers.

DRF has no asynchronous views: ``APIView.dispatch`` is synchronous, so under ASGI
Django runs every DRF view in a thread and the request holds that thread for as long
as it runs, downstream wait included. This view is a plain Django class-based view
with an ``async def get``: the fan-out waits on the event loop, holding no thread.
Under ASGI ``urls_asgi`` routes the path here; every other route, and this one under
WSGI (``ItemViewSet.retrieve_enriched``), stays a DRF view.

Outside DRF there are no authentication classes, permission classes or exception
handler, so this view calls what they call: ``authenticate_async`` (the same token
rules), the same serializers, and ``problems.problem_for`` (the same problem bodies
as ``EXCEPTION_HANDLER``, the 401's ``WWW-Authenticate`` included). The checks come
in the DRF view's order: the token, then ``fanout``, then the item.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import MethodNotAllowed, NotFound

from impl_drf.api.authentication import authenticate_async
from impl_drf.api.downstream import get_async_downstream
from impl_drf.api.models import Item
from impl_drf.api.problems import problem_for
from impl_drf.api.serializers import EnrichedItemRead, EnrichedQuery


def _release_connection() -> None:
    # Run through sync_to_async: Django's connections belong to a thread, and the
    # async ORM's queries ran in the request's thread, not on the event loop's.
    connection.close()


# contract: io.enriched
# Bearer tokens, no cookies: exempt from CSRF checks, as DRF's APIView makes its views.
@method_decorator(csrf_exempt, name="dispatch")
class EnrichedItemView(View):
    """The item and the answers of ``fanout`` concurrent calls to the downstream service."""

    http_method_names = ["get", "head"]  # noqa: RUF012 (Django's own attribute)

    async def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            return await self._enriched(request, pk)
        except Exception as exc:
            answer = problem_for(exc)
            if answer is None:
                raise  # a bug: Django logs it and handler500 answers
            return answer

    async def _enriched(self, request: HttpRequest, pk: int) -> HttpResponse:
        await authenticate_async(request)
        query = EnrichedQuery(data=request.GET)
        query.is_valid(raise_exception=True)
        try:
            item = await Item.objects.aget(pk=pk)
        except Item.DoesNotExist as exc:
            raise NotFound() from exc
        # As in the DRF view: the connection goes back to the pool before the wait.
        await sync_to_async(_release_connection)()
        parts = await get_async_downstream().fetch_parts(item.pk, query.validated_data["fanout"])
        return JsonResponse(
            EnrichedItemRead({"item": item, "parts": parts}).data,
            # Compact and unescaped, as DRF's renderer writes JSON.
            json_dumps_params={"separators": (",", ":"), "ensure_ascii": False},
        )

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        # Django answers an empty 405; the contract's is a problem, with Allow.
        answer = problem_for(MethodNotAllowed(str(request.method)))
        assert answer is not None
        answer["Allow"] = "GET, HEAD"

        async def deliver() -> HttpResponse:
            return answer

        return deliver()  # a view whose handlers are async answers from a coroutine
