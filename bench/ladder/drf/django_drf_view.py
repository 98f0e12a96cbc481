"""Ladder rung, not the contract: the Django baseline's queries behind DRF's APIView.

The same raw-cursor queries as ``bench/baselines/django_min.py``; the views are DRF
``APIView``s answering with the row through ``Response`` (request wrapping, content
negotiation, ``JSONRenderer``); no serializer, no authentication or permission
classes.
"""

from __future__ import annotations

import django_ladder as ladder
from django.urls import path

application = ladder.configure(__name__)

# After settings: DRF reads them at import.
from rest_framework.exceptions import NotFound  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


class ItemView(APIView):
    def get(self, request: Request, item_id: int) -> Response:
        row = ladder.fetch(ladder.ITEM_QUERY, ladder.ITEM_COLUMNS, item_id)
        if row is None:
            raise NotFound
        return Response(row)


class MeView(APIView):
    def get(self, request: Request) -> Response:
        row = ladder.user_row(request.headers.get("Authorization", ""))
        if row is None:
            # The baseline's bare 401 (DRF would answer 403: no authenticator, no challenge).
            return Response({"detail": "Unauthorized"}, status=401)
        return Response(row)


urlpatterns = [
    path("health", ladder.health),
    path("items/<int:item_id>", ItemView.as_view()),
    path("me", MeView.as_view()),
]
