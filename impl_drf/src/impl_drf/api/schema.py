"""OpenAPI details drf-spectacular cannot infer: the bearer scheme and problem bodies."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from impl_drf.api.problems import TITLES


# drf-spectacular's extension base registers subclasses in an untyped __init_subclass__.
class JWTAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "impl_drf.api.authentication.JWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106 (a scheme name, not a secret)
            bearer_format="JWT",
        )


PROBLEM_MEDIA_TYPE = "application/problem+json"

Problem = inline_serializer(
    "Problem",
    {
        "type": serializers.ChoiceField(choices=["about:blank"]),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
    },
)

ValidationProblem = inline_serializer(
    "ValidationProblem",
    {
        "type": serializers.ChoiceField(choices=["about:blank"]),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "errors": serializers.ListField(
            child=inline_serializer(
                "FieldError",
                {"field": serializers.CharField(), "message": serializers.CharField()},
            ),
        ),
    },
)


def problems(*statuses: int) -> dict[tuple[int, str], OpenApiResponse]:
    """``application/problem+json`` responses for ``extend_schema(responses=...)``."""
    return {
        (code, PROBLEM_MEDIA_TYPE): OpenApiResponse(
            ValidationProblem if code == 422 else Problem, description=TITLES[code]
        )
        for code in statuses
    }


# contract: bodies
# What a JSON body can get before its serializer is even looked at (JSONBodyMixin).
BODY_ERRORS = (400, 413, 415)

# contract: items.create, openapi.same-contract
# The name rules as a JSON Schema pattern, for the document: no Cc character anywhere,
# not whitespace only (the non-Cc characters ``str.isspace`` accepts). The model's
# validators enforce them.
NAME_PATTERN = (
    r"^(?![ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$)"
    r"[^\u0000-\u001f\u007f-\u009f]*$"
)


def contract_shapes(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: what the serializers enforce but drf-spectacular cannot see.

    - Every shape has exactly its members (``StrictSerializer`` rejects others,
      responses carry no others): ``additionalProperties: false``.
    - A POST or PATCH needs a JSON body (an empty one is a 400), ``{}`` for a PATCH
      with nothing to change: the body is required, partial or not.
    - An item name's rules live in model validators, which have no schema.
    - The username pattern already bounds its length; the model's ``max_length``
      would repeat it.
    """
    schemas = result.get("components", {}).get("schemas", {})
    for schema in schemas.values():
        if schema.get("type") == "object":
            schema["additionalProperties"] = False
    for name in ("ItemWrite", "PatchedItemWrite"):
        schemas[name]["properties"]["name"].update(minLength=1, pattern=NAME_PATTERN)
    schemas["UserRegister"]["properties"]["username"].pop("maxLength", None)
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
    return result


class OfflineRedocView(SpectacularRedocView):
    """ReDoc from drf-spectacular-sidecar's files, asking no host but this one.

    ReDoc's footer always shows Redocly's logo from cdn.redoc.ly (no option turns it
    off). This page's Content-Security-Policy lets images come from here only, so the
    browser never sends that request; ReDoc then shows the footer's text alone. The
    template also drops drf-spectacular's Google Fonts links.
    """

    template_name = "api/redoc.html"

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = "img-src 'self' data: blob:"
        return response


class OpenApiDocumentView(SpectacularJSONAPIView):
    """``GET /openapi.json``: the document, generated once per process.

    drf-spectacular's generator keeps state on classes (extensions it imports on
    first use, its warning counters: tfranzel/drf-spectacular#1368), so two
    generations at once in one process, as granian's threads run them, can fail
    with a 500. The document depends on the code only, so the first request builds
    it under a lock and every later one is served the same.
    """

    _lock: ClassVar[threading.Lock] = threading.Lock()
    _generated: ClassVar[Response | None] = None

    def _get_schema_response(self, request: Request) -> Response:
        with self._lock:
            if OpenApiDocumentView._generated is None:
                OpenApiDocumentView._generated = self._generate(request)
            generated = OpenApiDocumentView._generated
        return Response(generated.data, headers=dict(generated.headers))

    def _generate(self, request: Request) -> Response:
        # drf-spectacular's view methods carry no annotations.
        response: Response = super()._get_schema_response(request)  # type: ignore[no-untyped-call]
        return response
