"""OpenAPI details drf-spectacular cannot infer: the bearer scheme and problem bodies."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from impl_drf.api.problems import TITLES


class JWTAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "impl_drf.api.authentication.JWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106 (a scheme name, not a secret)
            bearer_format="JWT",
        )


Problem = inline_serializer(
    "Problem",
    {
        "type": serializers.CharField(default="about:blank"),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "errors": serializers.ListField(
            child=inline_serializer(
                "FieldError",
                {"field": serializers.CharField(), "message": serializers.CharField()},
            ),
            required=False,
            help_text="Only on 422.",
        ),
    },
)


def problems(*statuses: int) -> dict[int, OpenApiResponse]:
    """``application/problem+json`` responses for ``extend_schema(responses=...)``."""
    return {code: OpenApiResponse(Problem, description=TITLES[code]) for code in statuses}
