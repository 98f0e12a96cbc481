"""Shared by the DRF rungs (not a rung itself): their Django settings and the raw queries.

Each rung configures Django once, from ``configure(...)``: the baseline's settings
(``bench/baselines/django_min.py``) plus what that rung adds. The rungs that use
impl_drf's own code read impl_drf's settings module for the values it derives from
``DATABASE_URL`` and ``JWT_SECRET`` (its pool and watchdog, its secret).
"""

from __future__ import annotations

import os
from typing import Any

import jwt
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.http import HttpRequest, JsonResponse
from psycopg.conninfo import conninfo_to_dict

from shared_db.urls import libpq_url

ITEM_QUERY = "SELECT id, name, price_cents, owner_id, created_at FROM items WHERE id = %s"
ITEM_COLUMNS = ("id", "name", "price_cents", "owner_id", "created_at")
USER_QUERY = "SELECT id, username, created_at FROM users WHERE id = %s"
USER_COLUMNS = ("id", "username", "created_at")


def baseline_database() -> dict[str, Any]:
    """The baseline's connection: one persistent connection per process, no pool."""
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


def configure(urlconf: str, **added: Any) -> WSGIHandler:
    """Django configured like the baseline, with ``added`` on top; the WSGI application."""
    base: dict[str, Any] = {
        "DEBUG": False,
        "SECRET_KEY": "ladder-only-not-secret",  # nothing is signed
        "ALLOWED_HOSTS": ["*"],
        "ROOT_URLCONF": urlconf,
        "MIDDLEWARE": [],
        "INSTALLED_APPS": ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "DATABASES": {"default": baseline_database()},
        "REST_FRAMEWORK": {
            "DEFAULT_AUTHENTICATION_CLASSES": [],
            "DEFAULT_PERMISSION_CLASSES": [],
            "UNAUTHENTICATED_USER": None,
            "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        },
    }
    settings.configure(**{**base, **added})
    return get_wsgi_application()


def fetch(query: str, columns: tuple[str, ...], key: int) -> dict[str, Any] | None:
    """One row as a dict, through a raw cursor on Django's connection (the baseline's way)."""
    with connection.cursor() as cursor:
        cursor.execute(query, [key])
        row = cursor.fetchone()
    return None if row is None else dict(zip(columns, row, strict=True))


def user_id_from_header(authorization: str) -> int | None:
    """The baseline's JWT check: PyJWT, HS256, the ``sub`` claim."""
    token = authorization[7:]
    try:
        return int(jwt.decode(token, os.environ["JWT_SECRET"], algorithms=["HS256"])["sub"])
    except (jwt.InvalidTokenError, KeyError, ValueError):
        return None


def user_row(authorization: str) -> dict[str, Any] | None:
    """The user row a valid token names, or None (the baseline's GET /me)."""
    user_id = user_id_from_header(authorization)
    return None if user_id is None else fetch(USER_QUERY, USER_COLUMNS, user_id)


def health(request: HttpRequest) -> JsonResponse:
    """GET /health as the baseline answers it: the harness waits for it before verifying."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": "ok"})
