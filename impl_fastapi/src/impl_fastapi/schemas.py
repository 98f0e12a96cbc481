"""Request and response shapes, named after the contract.

Requests are strict (``extra="forbid"``, no type coercion) because the contract
rejects what Pydantic would happily coerce: ``"5"`` or ``5.0`` for an integer,
unknown or read-only members. Responses carry exactly the contract's members.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictInt,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

INT32_MAX = 2_147_483_647


def _format_timestamp(value: datetime) -> str:
    # Always six fractional digits and a literal Z, so all three implementations
    # return byte-identical values for the same row.
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# A plain serializer documents only its return type (a bare string); the schema says
# what that string is, so generated clients read it back as a date-time.
Timestamp = Annotated[
    datetime,
    PlainSerializer(_format_timestamp, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


# contract: validation
def _require_unicode_scalars(value: str) -> str:
    # JSON's \ud800 escape yields a lone surrogate, which no UTF-8 text (a stored
    # name, a hashed password) can hold.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must not contain lone surrogates") from None
    return value


# contract: validation
# A JSON string and nothing else (no coercion from numbers), encodable as UTF-8.
Text = Annotated[str, Field(strict=True), AfterValidator(_require_unicode_scalars)]


# contract: validation
def _check_item_name(value: str) -> str:
    if value.isspace():
        raise ValueError("must not be only whitespace")
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValueError("must not contain control characters")
    return value  # stored exactly as sent: no trimming


# contract: validation, openapi.same-contract
# The name rules as a JSON Schema pattern, for the document only: no Cc character
# anywhere, not whitespace only (the non-Cc characters ``str.isspace`` accepts).
# ``_check_item_name`` enforces them; pydantic-core's regex engine has no lookahead.
NAME_PATTERN = (
    r"^(?![ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$)"
    r"[^\u0000-\u001f\u007f-\u009f]*$"
)
# contract: validation
ItemName = Annotated[
    Text,
    Field(min_length=1, max_length=100, json_schema_extra={"pattern": NAME_PATTERN}),
    AfterValidator(_check_item_name),
]
# contract: validation
PriceCents = Annotated[StrictInt, Field(ge=0, le=INT32_MAX)]
# contract: auth.register
# (the pattern before the surrogate check, so the document shows it)
USERNAME_PATTERN = r"^[a-z0-9_.-]{3,32}$"
# contract: auth.register
Username = Annotated[
    str,
    Field(strict=True, pattern=USERNAME_PATTERN),
    AfterValidator(_require_unicode_scalars),
]
# contract: auth.register
Password = Annotated[Text, Field(min_length=8, max_length=128)]


# contract: validation
class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


# contract: auth.register
class RegisterRequest(RequestBody):
    username: Username
    password: Password


# contract: auth.token
class TokenRequest(RequestBody):
    # Any strings: a username that could never register simply fails with 401.
    username: Text
    password: Text


# contract: items.create, validation
class ItemCreate(RequestBody):
    name: ItemName
    price_cents: PriceCents


# contract: items.update, validation
class ItemUpdate(RequestBody):
    """Any subset of the members. ``None`` only means "not sent": an explicit
    ``null`` is rejected, and the handler applies ``model_fields_set`` alone."""

    name: ItemName | SkipJsonSchema[None] = None
    price_cents: PriceCents | SkipJsonSchema[None] = None

    @field_validator("name", "price_cents", mode="before")
    @classmethod
    def _reject_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("must not be null")
        return value


# contract: general.exact-members, openapi.same-contract
class ResponseBody(BaseModel):
    # Documented as exactly these members, each always present (defaults included).
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


# contract: auth.register, users.me
class UserRead(ResponseBody):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    created_at: Timestamp


# contract: items.list, items.create, items.retrieve, items.update
class ItemRead(ResponseBody):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    price_cents: int
    owner_id: int
    created_at: Timestamp


# contract: io.enriched
class EnrichedItemRead(ResponseBody):
    item: ItemRead
    # The downstream bodies exactly as received: any JSON objects.
    parts: list[dict[str, Any]]


# contract: auth.token
class TokenRead(ResponseBody):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a scheme name, not a secret)
    expires_in: int


# contract: health
class HealthRead(ResponseBody):
    status: Literal["ok"] = "ok"
    database: Literal["ok"] = "ok"
