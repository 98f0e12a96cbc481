"""Request and response shapes, named after the contract.

DRF's fields coerce generously (``"5"`` and ``5.0`` become 5, ``5`` becomes
``"5"``, strings are trimmed, unknown keys are dropped); the contract wants JSON
types taken at their word and unknown members rejected, hence the strict fields
and ``StrictSerializer`` below. The rules themselves (lengths, ranges, the
username pattern) come from the model fields, as the admin's forms use them too:
the write shapes are ``ModelSerializer``s, the read shapes plain ``Serializer``s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from impl_drf.api.models import Item, User, validate_username

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

_Model = TypeVar("_Model", bound=models.Model)


# contract: validation
class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: no strings, floats (even ``5.0``) or booleans."""

    def to_internal_value(self, data: Any) -> int:
        if type(data) is not int:
            self.fail("invalid")
        return super().to_internal_value(data)


# contract: validation
class StrictCharField(serializers.CharField):
    """A JSON string only, never trimmed."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TimestampField(serializers.DateTimeField):
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ``: UTC, always six fractional digits."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=TIMESTAMP_FORMAT, read_only=True, **kwargs)

    def to_representation(self, value: datetime) -> str:
        return value.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


# contract: validation
class StrictSerializer(serializers.Serializer[Any]):
    """Reject members the shape does not accept, read-only ones included (422)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {name: ["This member is not accepted here."] for name in unknown}
                )
        return super().to_internal_value(data)


# contract: validation
class StrictModelSerializer(StrictSerializer, serializers.ModelSerializer[_Model]):
    serializer_field_mapping: ClassVar[
        dict[type[models.Field[Any, Any]], type[serializers.Field[Any, Any, Any, Any]]]
    ] = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.IntegerField: StrictIntegerField,
    }


# contract: auth.register, users.me
class UserRead(serializers.Serializer[User]):
    # Read shapes are plain Serializers: a ModelSerializer derives its fields from the
    # model on every instance (every request), which only validation needs; the
    # write shapes keep deriving theirs, so the rules stay the model's.
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    created_at = TimestampField()


# contract: auth.register
class UserRegister(StrictModelSerializer[User]):
    password = StrictCharField(min_length=8, max_length=128, write_only=True)

    class Meta:
        model = User
        fields = ("username", "password")
        # No UniqueValidator: the unique constraint decides (see views.register),
        # so two racing registrations cannot both pass a SELECT first.
        extra_kwargs: ClassVar = {"username": {"validators": [validate_username]}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allow_nul(self.fields["password"])

    def create(self, validated_data: dict[str, Any]) -> User:
        validated_data.pop("password")  # the view hashes it into password_hash
        user: User = super().create(validated_data)
        return user

    def to_representation(self, instance: User) -> dict[str, Any]:
        return UserRead(instance, context=self.context).data


# contract: auth.token
class TokenRequest(StrictSerializer):
    # Any string is a credential to check: a wrong one is a 401, never a 422.
    username = StrictCharField(allow_blank=True)
    password = StrictCharField(allow_blank=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            allow_nul(field)


# contract: auth.register, auth.token
def allow_nul(field: serializers.Field[Any, Any, Any, Any]) -> None:
    """Passwords are any code points, NUL included (DRF's CharField refuses NUL)."""
    field.validators = [
        v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
    ]


# contract: auth.token
class TokenRead(serializers.Serializer[Any]):
    access_token = serializers.CharField()
    token_type = serializers.ChoiceField(choices=["bearer"])
    expires_in = serializers.IntegerField()


# contract: items.list, items.create, items.retrieve, items.update
class ItemRead(serializers.Serializer[Item]):
    # A plain Serializer, like UserRead.
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    price_cents = serializers.IntegerField(read_only=True)
    owner_id = serializers.IntegerField(read_only=True)
    created_at = TimestampField()


# contract: items.create, items.update, validation
class ItemWrite(StrictModelSerializer[Item]):
    """Create (all members required) and update (``partial=True``: any subset)."""

    class Meta:
        model = Item
        fields = ("name", "price_cents")

    # contract: concurrency
    def update(self, instance: Item, validated_data: dict[str, Any]) -> Item:
        # ModelSerializer.update saves every column, so of two racing PATCHes of
        # different members the later one would write back the other's old value.
        # update_fields writes only the members sent (none for {}: no query at all), and
        # makes save() raise instead of falling back to an INSERT if the row is gone.
        for name, value in validated_data.items():
            setattr(instance, name, value)
        instance.save(update_fields=list(validated_data))
        return instance

    def to_representation(self, instance: Item) -> dict[str, Any]:
        return ItemRead(instance, context=self.context).data


# contract: io.enriched
class QueryIntegerField(serializers.IntegerField):
    """A query integer is digits: DRF's also takes ``" 5"``, ``"5.0"`` and ``"5_0"``."""

    def get_value(self, dictionary: Mapping[str, Any]) -> Any:
        # DRF reads an empty value of an optional form field as absent (the default);
        # ``?fanout=`` is a value, and not an integer.
        return dictionary.get(str(self.field_name), empty)

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, str) or not _QUERY_INTEGER.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


# Twenty digits at most: beyond that it is out of any range this API has, and int()
# of thousands of digits costs time.
_QUERY_INTEGER = re.compile(r"-?[0-9]{1,20}")


# contract: io.enriched
class EnrichedQuery(serializers.Serializer[Any]):
    """The query of ``GET /items/{id}/enriched``; other parameters are ignored."""

    fanout = QueryIntegerField(min_value=1, max_value=16, default=1)


# contract: io.enriched
@extend_schema_field({"type": "object", "additionalProperties": True})
class DownstreamBody(serializers.DictField):
    """A downstream JSON object, passed through as received."""

    def to_representation(self, value: dict[str, Any]) -> dict[str, Any]:
        return value


# contract: io.enriched
class EnrichedItemRead(serializers.Serializer[Any]):
    item = ItemRead(read_only=True)
    parts = serializers.ListField(child=DownstreamBody(), read_only=True)
