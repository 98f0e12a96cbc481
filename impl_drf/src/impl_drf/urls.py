"""Routes: the contract's endpoints, the OpenAPI document, its two UIs, and the admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path, register_converter
from django.views.generic import RedirectView
from drf_spectacular.renderers import OpenApiJsonRenderer2
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from impl_drf.api import views
from impl_drf.api.models import BIGINT_MAX
from impl_drf.api.schema import OfflineRedocView, OpenApiDocumentView


# contract: items.retrieve
class ItemIdConverter:
    """An id the ``bigint`` column can hold; anything else never matches (404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        item_id = int(value)
        if not 1 <= item_id <= BIGINT_MAX:
            raise ValueError(value)
        return item_id

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(ItemIdConverter, "item_id")

router = SimpleRouter(trailing_slash=False, use_regex_path=False)
# contract: items.list, items.create, items.retrieve, items.update, items.delete
router.register("items", views.ItemViewSet, basename="item")

# contract: settings/app
urlpatterns = [
    path("health", views.HealthView.as_view(), name="health"),
    path("auth/register", views.RegisterView.as_view(), name="register"),
    path("auth/token", views.TokenView.as_view(), name="token"),
    path("me", views.MeView.as_view(), name="me"),
    *router.urls,
    # Plain application/json: the contract's media type for every success body.
    path(
        "openapi.json",
        OpenApiDocumentView.as_view(renderer_classes=[OpenApiJsonRenderer2]),
        name="openapi",
    ),
    path("docs", SpectacularSwaggerView.as_view(url_name="openapi"), name="docs"),
    path("redoc", OfflineRedocView.as_view(url_name="openapi"), name="redoc"),
    path("admin", RedirectView.as_view(pattern_name="admin:index")),
    path("admin/", admin.site.urls),
]

handler400 = "impl_drf.api.problems.bad_request"
handler403 = "impl_drf.api.problems.permission_denied"
handler404 = "impl_drf.api.problems.page_not_found"
handler500 = "impl_drf.api.problems.server_error"
