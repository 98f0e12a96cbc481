"""Claim 6: decode + validate a JSON array of create bodies, then encode a list of items.

With each implementation's own schemas (impl_fastapi's Pydantic models, impl_flask's
marshmallow schemas, impl_drf's serializers) and an equivalent msgspec ``Struct``
(the same rules; the name checks in ``__post_init__``).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Annotated

import _shared
import msgspec

BENCHMARK = "codecs"
ORDER = 2
INT32_MAX = 2_147_483_647


class ItemCreateStruct(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    price_cents: Annotated[int, msgspec.Meta(ge=0, le=INT32_MAX)]

    def __post_init__(self) -> None:
        # The two name rules no msgspec constraint expresses (raised as ValidationError).
        if self.name.isspace():
            raise ValueError("must not be only whitespace")
        if any(unicodedata.category(char) == "Cc" for char in self.name):
            raise ValueError("must not contain control characters")


class ItemReadStruct(msgspec.Struct):
    id: int
    name: str
    price_cents: int
    owner_id: int
    created_at: datetime


def variants(n: int) -> dict[str, Callable[[], object]]:
    _shared.configure_django()
    from pydantic import TypeAdapter
    from rest_framework.renderers import JSONRenderer

    from impl_drf.api import serializers as drf
    from impl_drf.api.models import Item
    from impl_fastapi import schemas as pyd
    from impl_flask import schemas as mm

    body = _shared.create_bodies(n)
    rows = _shared.rows(n)
    pyd_create = TypeAdapter(list[pyd.ItemCreate])
    pyd_read = TypeAdapter(list[pyd.ItemRead])
    pyd_items = [pyd.ItemRead(**row) for row in rows]
    mm_create = mm.ItemCreate(many=True)
    mm_read = mm.ItemRead(many=True)
    objects = [SimpleNamespace(**row) for row in rows]
    drf_items = [Item(**row) for row in rows]
    renderer = JSONRenderer()
    ms_decoder = msgspec.json.Decoder(list[ItemCreateStruct])
    ms_encoder = msgspec.json.Encoder()
    ms_items = [ItemReadStruct(**row) for row in rows]

    def pydantic_v2() -> object:
        pyd_create.validate_json(body)
        return pyd_read.dump_json(pyd_items)

    def marshmallow() -> object:
        mm_create.load(json.loads(body))
        return json.dumps(mm_read.dump(objects)).encode()

    def drf_serializers() -> object:
        write = drf.ItemWrite(data=json.loads(body), many=True)
        write.is_valid(raise_exception=True)
        return renderer.render(drf.ItemRead(drf_items, many=True).data)

    def msgspec_struct() -> object:
        ms_decoder.decode(body)
        return ms_encoder.encode(ms_items)

    return {
        "msgspec": msgspec_struct,
        "pydantic v2": pydantic_v2,
        "marshmallow": marshmallow,
        "DRF serializers": drf_serializers,
    }
