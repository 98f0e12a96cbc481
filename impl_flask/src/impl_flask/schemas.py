"""Request and response shapes, named after the contract.

Input schemas are strict: unknown members (including the read-only ``id``,
``owner_id`` and ``created_at``) raise, integers must be JSON integers, and
strings are taken exactly as sent (no trimming).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

INT32_MAX = 2**31 - 1
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class Timestamp(fields.DateTime):
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC, byte-identical across implementations.

    marshmallow's ISO format drops zero microseconds and writes ``+00:00``.
    """

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return value.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


class QueryInteger(fields.Integer):
    """An integer written in ASCII digits: ``int()`` alone would also take ``" 5"`` or ``1_0``."""

    _digits = re.compile(r"-?[0-9]+")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not isinstance(value, str) or not self._digits.fullmatch(value):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


def validate_item_name(value: str) -> None:
    if value.isspace():
        raise ValidationError("Must not be only whitespace.")
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValidationError("Must not contain control characters.")


# --- users and tokens -------------------------------------------------------


class UserCreate(StrictSchema):
    username = fields.String(
        required=True,
        validate=validate.Regexp(
            r"[a-z0-9_.-]{3,32}\Z",
            error="Must be 3 to 32 characters among a-z, 0-9, '_', '.' and '-'.",
        ),
    )
    password = fields.String(required=True, validate=validate.Length(min=8, max=128))


class TokenRequest(StrictSchema):
    username = fields.String(required=True)
    password = fields.String(required=True)


class UserRead(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    created_at = Timestamp(required=True, metadata={"example": "2026-01-31T12:00:00.000000Z"})


class TokenRead(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"enum": ["bearer"]})
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds."})


# --- items ------------------------------------------------------------------


class ItemCreate(StrictSchema):
    name = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=100), validate_item_name],
    )
    # strict: only JSON integers; marshmallow's Number already refuses booleans.
    price_cents = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0, max=INT32_MAX)
    )


class ItemUpdate(ItemCreate):
    """Any subset of ``ItemCreate``; each member present obeys the same rules, null included."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(**kwargs)


class ItemRead(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    price_cents = fields.Integer(required=True)
    owner_id = fields.Integer(required=True)
    created_at = Timestamp(required=True, metadata={"example": "2026-01-31T12:00:00.000000Z"})


class ItemListArgs(Schema):
    limit = QueryInteger(load_default=20, validate=validate.Range(min=1, max=100))
    offset = QueryInteger(load_default=0, validate=validate.Range(min=0, max=INT32_MAX))


# --- other ------------------------------------------------------------------


class HealthRead(Schema):
    status = fields.String(required=True)
    database = fields.String(required=True)


class FieldError(Schema):
    field = fields.String(required=True)
    message = fields.String(required=True)


class Problem(Schema):
    """RFC 9457 problem details, as every error response carries them."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Nested(FieldError), metadata={"description": "Only on 422."})
