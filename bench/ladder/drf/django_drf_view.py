"""Ladder rung, not the contract: the Django baseline's queries behind DRF's APIView.

The same raw-cursor queries as ``bench/baselines/django_min.py``; the views are DRF
``APIView``s answering through ``Response`` (content negotiation, ``JSONRenderer``)
with a plain ``Serializer`` each; no authentication or permission classes.
"""

from __future__ import annotations

import os
from typing import Any

import jwt
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.urls import path
from psycopg.conninfo import conninfo_to_dict

from shared_db.urls import libpq_url

QUERY = "SELECT id, name, price_cents, owner_id, created_at FROM items WHERE id = %s"
COLUMNS = ("id", "name", "price_cents", "owner_id", "created_at")
USER_QUERY = "SELECT id, username, created_at FROM users WHERE id = %s"
USER_COLUMNS = ("id", "username", "created_at")
SECRET = os.environ["JWT_SECRET"]


def _database() -> dict[str, object]:
    info = conninfo_to_dict(libpq_url(os.environ["DATABASE_URL"]))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": info.get("dbname", "postgres"),
        "USER": info.get("user", ""),
        "PASSWORD": info.get("password", ""),
        "HOST": info.get("host", ""),
        "PORT": info.get("port", ""),
        "CONN_MAX_AGE": None,
    }


settings.configure(
    DEBUG=False,
    SECRET_KEY="ladder-only-not-secret",  # noqa: S106 (nothing is signed)
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    USE_TZ=True,
    TIME_ZONE="UTC",
    DATABASES={"default": _database()},
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    },
)
application = get_wsgi_application()

# After settings: DRF reads them at import.
from rest_framework import serializers  # noqa: E402
from rest_framework.exceptions import AuthenticationFailed, NotFound  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


class ItemRead(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    price_cents = serializers.IntegerField()
    owner_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class UserRead(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    created_at = serializers.DateTimeField()


def _fetch(query: str, columns: tuple[str, ...], key: int) -> dict[str, Any] | None:
    with connection.cursor() as cursor:
        cursor.execute(query, [key])
        row = cursor.fetchone()
    return None if row is None else dict(zip(columns, row, strict=True))


class HealthView(APIView):
    def get(self, request: Request) -> Response:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Response({"status": "ok", "database": "ok"})


class ItemView(APIView):
    def get(self, request: Request, item_id: int) -> Response:
        row = _fetch(QUERY, COLUMNS, item_id)
        if row is None:
            raise NotFound
        return Response(ItemRead(row).data)


class MeView(APIView):
    def get(self, request: Request) -> Response:
        token = request.headers.get("Authorization", "")[7:]
        try:
            user_id = int(jwt.decode(token, SECRET, algorithms=["HS256"])["sub"])
        except (jwt.InvalidTokenError, KeyError, ValueError):
            raise AuthenticationFailed from None
        row = _fetch(USER_QUERY, USER_COLUMNS, user_id)
        if row is None:
            raise AuthenticationFailed
        return Response(UserRead(row).data)


urlpatterns = [
    path("health", HealthView.as_view()),
    path("items/<int:item_id>", ItemView.as_view()),
    path("me", MeView.as_view()),
]
