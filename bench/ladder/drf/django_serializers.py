"""Ladder rung, not the contract: + response shaping with impl_drf's read serializers.

As ``django_drf_view``, with each row rendered by impl_drf's ``ItemRead`` and
``UserRead`` (plain ``Serializer``s with its ``TimestampField``), as its views do.
Still the raw-cursor rows (dicts): the ORM is the next rung.
"""

from __future__ import annotations

import django_ladder as ladder
from django.urls import path

application = ladder.configure(
    __name__,
    # The serializers module imports impl_drf's models, which need their app.
    INSTALLED_APPS=[
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "rest_framework",
        "impl_drf.api",
    ],
)

from rest_framework.exceptions import NotFound  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from impl_drf.api.serializers import ItemRead, UserRead  # noqa: E402


class ItemView(APIView):
    def get(self, request: Request, item_id: int) -> Response:
        row = ladder.fetch(ladder.ITEM_QUERY, ladder.ITEM_COLUMNS, item_id)
        if row is None:
            raise NotFound
        return Response(ItemRead(row).data)


class MeView(APIView):
    def get(self, request: Request) -> Response:
        row = ladder.user_row(request.headers.get("Authorization", ""))
        if row is None:
            # The baseline's bare 401 (DRF would answer 403: no authenticator, no challenge).
            return Response({"detail": "Unauthorized"}, status=401)
        return Response(UserRead(row).data)


urlpatterns = [
    path("health", ladder.health),
    path("items/<int:item_id>", ItemView.as_view()),
    path("me", MeView.as_view()),
]
