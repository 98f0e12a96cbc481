"""The read shapes: the contract's members, declared rather than derived per request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from rest_framework import serializers

from impl_drf.api.models import Item, User
from impl_drf.api.serializers import ItemRead, UserRead

CREATED = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize("shape", [ItemRead, UserRead])
def test_a_read_shape_builds_no_fields_from_the_model(shape: type[Any]) -> None:
    # ModelSerializer.get_fields() inspects the model for every serializer instance.
    assert not issubclass(shape, serializers.ModelSerializer)


def test_item_read_writes_the_contract_members() -> None:
    item = Item(id=7, name="lamp", price_cents=100, owner_id=3, created_at=CREATED)
    assert ItemRead(item).data == {
        "id": 7,
        "name": "lamp",
        "price_cents": 100,
        "owner_id": 3,
        "created_at": "2025-01-02T03:04:05.000000Z",
    }


def test_user_read_writes_the_contract_members_and_never_the_hash() -> None:
    user = User(id=3, username="ada", password_hash="secret", created_at=CREATED)
    assert UserRead(user).data == {
        "id": 3,
        "username": "ada",
        "created_at": "2025-01-02T03:04:05.000000Z",
    }
