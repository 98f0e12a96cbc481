"""Ladder rung, not the contract: + impl_drf's JWT authentication and permissions.

As ``django_orm``, with the token read by impl_drf's ``JWTAuthentication`` (its
PyJWT checks and its user query) and access decided by its permission classes:
``IsAuthenticated`` for GET /me; for an item, ``IsAuthenticatedOrReadOnly`` and the
object permission ``IsOwnerOrReadOnly``, with authentication left lazy as
``ItemViewSet`` leaves it. Still ``APIView``s, DRF's default exception handler,
no middleware.
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
    JWT_SECRET=impl.JWT_SECRET,
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": ["impl_drf.api.authentication.JWTAuthentication"],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        "UNAUTHENTICATED_USER": None,
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    },
)

from rest_framework.generics import get_object_or_404  # noqa: E402
from rest_framework.permissions import IsAuthenticatedOrReadOnly  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from impl_drf.api.models import Item  # noqa: E402
from impl_drf.api.permissions import IsOwnerOrReadOnly  # noqa: E402
from impl_drf.api.serializers import ItemRead, UserRead  # noqa: E402


class ItemView(APIView):
    permission_classes = (IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly)

    def perform_authentication(self, request: Request) -> None:
        pass  # lazy, as ItemViewSet: reading an item looks at no token

    def get(self, request: Request, item_id: int) -> Response:
        item = get_object_or_404(Item.objects.order_by("id"), pk=item_id)
        self.check_object_permissions(request, item)
        return Response(ItemRead(item).data)


class MeView(APIView):
    def get(self, request: Request) -> Response:
        return Response(UserRead(request.user).data)


urlpatterns = [
    path("health", ladder.health),
    path("items/<int:item_id>", ItemView.as_view()),
    path("me", MeView.as_view()),
]
