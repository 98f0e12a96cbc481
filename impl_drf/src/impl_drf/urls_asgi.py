"""The URLconf of ASGI requests: ``urls`` with Django's async view for the fan-out.

``asgi.py`` gives every ASGI request this URLconf (``request.urlconf``); WSGI
requests resolve ``ROOT_URLCONF`` (``urls``), where the same path is the DRF view.
The OpenAPI document is generated from ``ROOT_URLCONF`` either way, so it describes
the operation once (``views.ENRICHED_SCHEMA``), for both views.
"""

from __future__ import annotations

from django.urls import path

from impl_drf import urls
from impl_drf.api.async_views import EnrichedItemView

# contract: io.enriched
urlpatterns = [
    # Ahead of the router's route for the same path, which it shadows.
    path("items/<item_id:pk>/enriched", EnrichedItemView.as_view(), name="item-enriched"),
    *urls.urlpatterns,
]

# Django looks the error handlers up in the URLconf that resolved the request.
handler400 = urls.handler400
handler403 = urls.handler403
handler404 = urls.handler404
handler500 = urls.handler500
