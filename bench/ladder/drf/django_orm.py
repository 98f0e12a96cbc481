"""Ladder rung, not the contract: + the ORM as impl_drf uses it.

As ``django_serializers``, with the rows read through impl_drf's models as its views
and authentication read them (``get_object_or_404`` on ``Item.objects.order_by("id")``,
``User.objects.filter(pk=...).first()``), over impl_drf's ``DATABASES``: Django's
psycopg pool, checked out and returned per request, and the watchdog backend.
The JWT check is still the baseline's.
"""

from __future__ import annotations

import django_ladder as ladder
from django.urls import path

from impl_drf import settings as impl

application = ladder.configure(
    __name__,
    INSTALLED_APPS=[
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "rest_framework",
        "impl_drf.api",
    ],
    DATABASES=impl.DATABASES,
)

from rest_framework.generics import get_object_or_404  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from impl_drf.api.models import Item, User  # noqa: E402
from impl_drf.api.serializers import ItemRead, UserRead  # noqa: E402


class ItemView(APIView):
    def get(self, request: Request, item_id: int) -> Response:
        item = get_object_or_404(Item.objects.order_by("id"), pk=item_id)
        return Response(ItemRead(item).data)


class MeView(APIView):
    def get(self, request: Request) -> Response:
        user_id = ladder.user_id_from_header(request.headers.get("Authorization", ""))
        user = None if user_id is None else User.objects.filter(pk=user_id).first()
        if user is None:
            # The baseline's bare 401 (DRF would answer 403: no authenticator, no challenge).
            return Response({"detail": "Unauthorized"}, status=401)
        return Response(UserRead(user).data)


urlpatterns = [
    path("health", ladder.health),
    path("items/<int:item_id>", ItemView.as_view()),
    path("me", MeView.as_view()),
]
