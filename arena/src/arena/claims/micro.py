"""In-process micro-benchmarks for the claims lab, run in a fresh interpreter.

``python -m arena.claims.micro`` prints one JSON document on stdout::

    {"python": "3.11.7", "packages": {name: version},
     "benchmarks": {benchmark: {"n": {"20": {variant: {samples_s: [..], number: k}}}}}}

Each sample is the seconds for ONE call (a whole list of ``n`` items), the mean of
``number`` back-to-back calls; variants are interleaved (A B C A B C ...) so a slow
moment of a shared machine hits every variant alike. The Django settings are
configured here (no database: only unsaved model instances are serialised), which
is why this runs in its own process rather than inside ``arena`` or pytest.

Benchmarks:

- ``serializers`` (claim 5): Item rows to Python data, the way a list view does it:
  impl_drf's own ``ItemRead`` (a ``ModelSerializer``), the same fields as a plain
  ``Serializer``, and a dict comprehension. Each call builds a serializer and reads
  ``.data``, as a view does per request.
- ``codecs`` (claim 6): decode + validate a JSON array of create bodies, then encode
  a list of items to JSON, with each implementation's own schemas (impl_fastapi's
  Pydantic models, impl_flask's marshmallow schemas, impl_drf's serializers) and an
  equivalent msgspec ``Struct`` (the same rules, the name checks in ``__post_init__``).
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import json
import platform
import sys
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Annotated, Any

import msgspec

SIZES = (1, 20, 100)
REPEATS = 7
# Calls per sample: enough that one sample lasts about this long.
TARGET_SAMPLE_S = 0.01
PACKAGES = ("pydantic", "marshmallow", "djangorestframework", "django", "msgspec")
INT32_MAX = 2_147_483_647
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

Variant = Callable[[], object]


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
        # Never connected to: the instances below are unsaved.
        DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "unused"}},
        USE_TZ=True,
        TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        REST_FRAMEWORK={"NON_FIELD_ERRORS_KEY": "body", "UNAUTHENTICATED_USER": None},
    )
    django.setup()


def _rows(n: int) -> list[dict[str, Any]]:
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


def _create_bodies(n: int) -> bytes:
    return json.dumps(
        [{"name": f"item number {i + 1}", "price_cents": 100 + i} for i in range(n)]
    ).encode()


# --- msgspec: the contract's item shapes ----------------------------------------------


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


# --- the benchmarks --------------------------------------------------------------------


def serializer_variants(n: int) -> dict[str, Variant]:
    from rest_framework import serializers

    from impl_drf.api.models import Item
    from impl_drf.api.serializers import ItemRead, TimestampField

    class PlainItemRead(serializers.Serializer[Any]):
        id = serializers.IntegerField(read_only=True)
        name = serializers.CharField(read_only=True)
        price_cents = serializers.IntegerField(read_only=True)
        owner_id = serializers.IntegerField(read_only=True)
        created_at = TimestampField()

    # Any: `owner_id` (the foreign key's column) is typed only under the django-stubs plugin.
    items: list[Any] = [Item(**row) for row in _rows(n)]

    def model_serializer() -> object:
        return ItemRead(items, many=True).data

    def plain_serializer() -> object:
        return PlainItemRead(items, many=True).data

    def comprehension() -> object:
        return [
            {
                "id": item.id,
                "name": item.name,
                "price_cents": item.price_cents,
                "owner_id": item.owner_id,
                "created_at": item.created_at.astimezone(UTC).strftime(TIMESTAMP_FORMAT),
            }
            for item in items
        ]

    return {
        "ModelSerializer": model_serializer,
        "Serializer": plain_serializer,
        "dict comprehension": comprehension,
    }


def codec_variants(n: int) -> dict[str, Variant]:
    from pydantic import TypeAdapter
    from rest_framework.renderers import JSONRenderer

    from impl_drf.api import serializers as drf
    from impl_drf.api.models import Item
    from impl_fastapi import schemas as pyd
    from impl_flask import schemas as mm

    body = _create_bodies(n)
    rows = _rows(n)
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


BENCHMARKS: dict[str, Callable[[int], dict[str, Variant]]] = {
    "serializers": serializer_variants,
    "codecs": codec_variants,
}


def calibrate(variant: Variant) -> int:
    """Calls per sample so that one sample lasts about ``TARGET_SAMPLE_S``."""
    number = 1
    while True:
        started = time.perf_counter()
        for _ in range(number):
            variant()
        elapsed = time.perf_counter() - started
        if elapsed >= TARGET_SAMPLE_S / 5 or number >= 100_000:
            return max(1, int(number * TARGET_SAMPLE_S / max(elapsed, 1e-9)))
        number *= 10


def measure(variants: dict[str, Variant], repeats: int) -> dict[str, dict[str, Any]]:
    """Interleaved repeats: one sample of each variant per round."""
    numbers = {}
    for name, variant in variants.items():
        variant()  # warm up: first-call caches (serializer fields, schema builds)
        numbers[name] = calibrate(variant)
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, variant in variants.items():
            number = numbers[name]
            started = time.perf_counter()
            for _ in range(number):
                variant()
            samples[name].append((time.perf_counter() - started) / number)
    return {name: {"samples_s": samples[name], "number": numbers[name]} for name in variants}


def run(sizes: tuple[int, ...] = SIZES, repeats: int = REPEATS) -> dict[str, Any]:
    configure_django()
    out: dict[str, Any] = {}
    for benchmark, build in BENCHMARKS.items():
        out[benchmark] = {"n": {str(n): measure(build(n), repeats) for n in sizes}}
    return {
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "repeats": repeats,
        "benchmarks": out,
    }


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--sizes", default=",".join(str(n) for n in SIZES))
    args = parser.parse_args(argv)
    sizes = tuple(int(n) for n in args.sizes.split(",") if n.strip())
    json.dump(run(sizes, args.repeats), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
