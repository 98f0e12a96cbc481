"""What every micro-benchmark subject shares: Django configured without a database, and
the item rows and create bodies the variants work on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def configure_django() -> None:
    import django
    from django.conf import settings

    if settings.configured:
        return
    settings.configure(
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "rest_framework",
            "drf_spectacular",
            "impl_drf.api",
        ],
        # Never connected to: the instances the benchmarks serialise are unsaved.
        DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "unused"}},
        USE_TZ=True,
        TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        REST_FRAMEWORK={"NON_FIELD_ERRORS_KEY": "body", "UNAUTHENTICATED_USER": None},
    )
    django.setup()


def rows(n: int) -> list[dict[str, Any]]:
    start = datetime(2026, 1, 31, 12, 0, 0, 123456, tzinfo=UTC)
    return [
        {
            "id": i + 1,
            "name": f"item number {i + 1}",
            "price_cents": 100 + i,
            "owner_id": 1 + i % 7,
            "created_at": start + timedelta(seconds=i, microseconds=1),
        }
        for i in range(n)
    ]


def create_bodies(n: int) -> bytes:
    return json.dumps(
        [{"name": f"item number {i + 1}", "price_cents": 100 + i} for i in range(n)]
    ).encode()
