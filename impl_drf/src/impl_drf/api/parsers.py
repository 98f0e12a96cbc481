"""Request bodies as the contract wants them: JSON objects, strictly.

DRF's ``JSONParser`` already rejects ``NaN``/``Infinity`` (``STRICT_JSON``), bytes
that are not UTF-8 and over-long integers with a ``ParseError`` (400). What it
leaves to the view is added here:

- nesting deep enough to exhaust the recursion limit (a ``RecursionError``, which
  DRF does not catch) is a ``ParseError`` too;
- so are a member named twice in one object (DRF keeps the last) and a body that is
  not UTF-8 whatever ``charset`` it declares: the contract's bodies are UTF-8 I-JSON;
- DRF treats an empty body as ``{}`` whatever its ``Content-Type``, and streams the
  body past ``DATA_UPLOAD_MAX_MEMORY_SIZE``; ``require_json_body`` checks the
  media type (415), the size (413) and emptiness (400) before a view reads it.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.http import parse_header_parameters
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.utils import json

from impl_drf.api.problems import ContentTooLarge

JSON_MEDIA_TYPE = "application/json"


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise ValueError("an object names a member twice")
    return members


class StrictJSONParser(JSONParser):
    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            # As JSONParser.parse (DRF's json keeps NaN and Infinity out), plus the hook.
            text = codecs.getreader("utf-8")(stream).read()
            return json.loads(text, object_pairs_hook=_unique_members)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc


def require_json_body(request: Request) -> None:
    media_type, _ = parse_header_parameters(request.content_type or "")
    if media_type.lower() != JSON_MEDIA_TYPE:
        raise UnsupportedMediaType(request.content_type or "(none)")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError as exc:
        raise ParseError("Content-Length is not a number.") from exc
    if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise ContentTooLarge()
    if length == 0:
        raise ParseError("The request body is empty; send a JSON object.")


class JSONOnlyNegotiation(BaseContentNegotiation):
    """Ignore ``Accept``: the contract has one representation and no 406."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        media_type, _ = parse_header_parameters(request.content_type or "")
        return next((p for p in parsers if p.media_type == media_type.lower()), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type
