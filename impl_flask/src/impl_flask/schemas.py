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


# contract: validation
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


# contract: items.list, io.enriched
class QueryInteger(fields.Integer):
    """An integer written in ASCII digits: ``int()`` alone would also take ``" 5"`` or ``1_0``."""

    _digits = re.compile(r"-?[0-9]+")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not isinstance(value, str) or not self._digits.fullmatch(value):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


# contract: validation, openapi.same-contract
# The name rules as a JSON Schema pattern, for the document: no Cc character anywhere,
# not whitespace only (the non-Cc characters ``str.isspace`` accepts).
# ``validate_item_name`` enforces them.
NAME_PATTERN = (
    r"^(?![ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$)"
    r"[^\u0000-\u001f\u007f-\u009f]*$"
)


# contract: validation
def validate_item_name(value: str) -> None:
    if value.isspace():
        raise ValidationError("Must not be only whitespace.")
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValidationError("Must not contain control characters.")


# --- users and tokens -------------------------------------------------------

# contract: auth.register (``\Z``: ``$`` would also match before a final newline)
USERNAME_RE = re.compile(r"[a-z0-9_.-]{3,32}\Z")


# contract: auth.register
class UserCreate(StrictSchema):
    username = fields.String(
        required=True,
        validate=validate.Regexp(
            USERNAME_RE,
            error="Must be 3 to 32 characters among a-z, 0-9, '_', '.' and '-'.",
        ),
        # Documented in the JSON Schema dialect: ``\Z`` above is Python's end of string
        # (``$`` would also match before a final newline), ``$`` is JSON Schema's.
        metadata={"pattern": "^[a-z0-9_.-]{3,32}$"},
    )
    password = fields.String(required=True, validate=validate.Length(min=8, max=128))


# contract: auth.token
class TokenRequest(StrictSchema):
    username = fields.String(required=True)
    password = fields.String(required=True)


# contract: auth.register, users.me
class UserRead(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    created_at = Timestamp(required=True, metadata={"example": "2026-01-31T12:00:00.000000Z"})


# contract: auth.token
class TokenRead(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"enum": ["bearer"]})
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds."})


# --- items ------------------------------------------------------------------


# contract: items.create, validation
class ItemCreate(StrictSchema):
    name = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=100), validate_item_name],
        metadata={"pattern": NAME_PATTERN},
    )
    # strict: only JSON integers; marshmallow's Number already refuses booleans.
    price_cents = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0, max=INT32_MAX)
    )


# contract: items.update, validation
class ItemUpdate(ItemCreate):
    """Any subset of ``ItemCreate``; each member present obeys the same rules, null included."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(**kwargs)


# contract: items.list, items.create, items.retrieve, items.update
class ItemRead(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    price_cents = fields.Integer(required=True)
    owner_id = fields.Integer(required=True)
    created_at = Timestamp(required=True, metadata={"example": "2026-01-31T12:00:00.000000Z"})


# contract: items.list
class ItemListArgs(Schema):
    limit = QueryInteger(load_default=20, validate=validate.Range(min=1, max=100))
    offset = QueryInteger(load_default=0, validate=validate.Range(min=0, max=INT32_MAX))


# contract: io.enriched
class EnrichedItemArgs(Schema):
    fanout = QueryInteger(load_default=1, validate=validate.Range(min=1, max=16))


# contract: io.enriched
class EnrichedItemRead(Schema):
    item = fields.Nested(ItemRead, required=True)
    # The downstream bodies exactly as received: any JSON objects.
    parts = fields.List(fields.Dict(), required=True)


# --- other ------------------------------------------------------------------


# contract: health
class HealthRead(Schema):
    status = fields.String(required=True, metadata={"enum": ["ok"]})
    database = fields.String(required=True, metadata={"enum": ["ok"]})


class FieldError(Schema):
    field = fields.String(required=True)
    message = fields.String(required=True)


class Problem(Schema):
    """RFC 9457 problem details, as every error response carries them."""

    type = fields.String(required=True, metadata={"enum": ["about:blank"]})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)


class ValidationProblem(Problem):
    """A 422's problem details: the offending members or parameters, at least one."""

    errors = fields.List(fields.Nested(FieldError), required=True)
