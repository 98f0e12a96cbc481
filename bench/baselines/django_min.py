"""Baseline, not the contract: Django views answering GET /items/{id} and GET /me with a raw
cursor, one query each."""

from __future__ import annotations

import os

import jwt
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.http import Http404, HttpRequest, JsonResponse
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


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": "ok"})


def retrieve_item(request: HttpRequest, item_id: int) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute(QUERY, [item_id])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    return JsonResponse(dict(zip(COLUMNS, row, strict=True)))


def me(request: HttpRequest) -> JsonResponse:
    token = request.headers.get("Authorization", "")[7:]
    try:
        user_id = int(jwt.decode(token, SECRET, algorithms=["HS256"])["sub"])
    except (jwt.InvalidTokenError, KeyError, ValueError):
        return JsonResponse({"detail": "Unauthorized"}, status=401)
    with connection.cursor() as cursor:
        cursor.execute(USER_QUERY, [user_id])
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"detail": "Unauthorized"}, status=401)
    return JsonResponse(dict(zip(USER_COLUMNS, row, strict=True)))


settings.configure(
    DEBUG=False,
    SECRET_KEY="baseline-only-not-secret",  # noqa: S106 (nothing is signed)
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_TZ=True,
    DATABASES={"default": _database()},
)
urlpatterns = [
    path("health", health),
    path("items/<int:item_id>", retrieve_item),
    path("me", me),
]
application = get_wsgi_application()
