"""Claim 5: Item rows to Python data, the way a list view does it.

A ``ModelSerializer`` of impl_drf's ``Item`` (the fields derived from the model, as
DRF's tutorial writes it), impl_drf's own ``ItemRead`` (a plain ``Serializer`` with the
same fields declared, which is what the implementation ships for its read shapes), and
a dict comprehension. Each call builds a serializer and reads ``.data``, as a view does
per request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import _shared

BENCHMARK = "serializers"
ORDER = 1


def variants(n: int) -> dict[str, Callable[[], object]]:
    _shared.configure_django()
    from rest_framework import serializers

    from impl_drf.api.models import Item
    from impl_drf.api.serializers import ItemRead, TimestampField

    class ModelItemRead(serializers.ModelSerializer[Item]):
        owner_id = serializers.IntegerField(read_only=True)
        created_at = TimestampField()

        class Meta:
            model = Item
            fields = ("id", "name", "price_cents", "owner_id", "created_at")

    # Any: `owner_id` (the foreign key's column) is typed only under the django-stubs plugin.
    items: list[Any] = [Item(**row) for row in _shared.rows(n)]

    def model_serializer() -> object:
        return ModelItemRead(items, many=True).data

    def plain_serializer() -> object:
        return ItemRead(items, many=True).data

    def comprehension() -> object:
        return [
            {
                "id": item.id,
                "name": item.name,
                "price_cents": item.price_cents,
                "owner_id": item.owner_id,
                "created_at": item.created_at.astimezone(UTC).strftime(_shared.TIMESTAMP_FORMAT),
            }
            for item in items
        ]

    return {
        "ModelSerializer": model_serializer,
        "Serializer": plain_serializer,
        "dict comprehension": comprehension,
    }
