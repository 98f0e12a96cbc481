"""``LimitOffsetPagination`` with the contract's shape and strictness.

DRF's version wraps the page in ``{"count", "next", "previous", "results"}`` and
quietly clamps or ignores bad values. The contract wants the bare array with the
total in ``X-Total-Count``, and a 422 naming the parameter for any value out of
range or not an integer.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response

from impl_drf.api.models import INT4_MAX

_DIGITS = re.compile(r"[0-9]{1,10}")


# contract: items.list
class ItemPagination(LimitOffsetPagination):
    default_limit = 20
    max_limit = 100
    template = None  # no browsable-API page controls

    def get_limit(self, request: Request) -> int:
        return self._parameter(request, self.limit_query_param, self.default_limit, 1, 100)

    def get_offset(self, request: Request) -> int:
        return self._parameter(request, self.offset_query_param, 0, 0, INT4_MAX)

    @staticmethod
    def _parameter(request: Request, name: str, default: int, low: int, high: int) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
            raise ValidationError({name: [f"Must be an integer from {low} to {high}."]})
        return int(raw)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(data, headers={"X-Total-Count": str(self.count)})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return schema

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": 100, "default": 20},
            self.offset_query_param: {"minimum": 0, "maximum": INT4_MAX, "default": 0},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds[parameter["name"]])
        return parameters
