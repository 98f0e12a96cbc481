"""Ladder rung, not the contract: + impl_drf's views, exception handler and middleware.

impl_drf's own ``ItemViewSet`` (a ``ModelViewSet`` on its ``SimpleRouter``) and
``MeView`` (a ``RetrieveAPIView``), under impl_drf's settings entire: its
``REST_FRAMEWORK`` (problem+json exception handler, strict parser, JSON-only
negotiation), its ``MIDDLEWARE`` (the 414 limit, the body drain, Django's security,
sessions, CSRF, auth, messages and clickjacking middleware, WhiteNoise) and its
installed apps. Only the URLconf is this module's: GET /health, /items/{id} and /me,
without the other routes, the OpenAPI views and the admin's. What is left to the
full implementation is those routes and its WSGI module's start-up freeze.
"""

from __future__ import annotations

from typing import Any

import django_ladder as ladder
from django.urls import path

from impl_drf import settings as impl

NOT_COPIED = ("ROOT_URLCONF", "WSGI_APPLICATION")
application = ladder.configure(
    __name__,
    **{
        name: value
        for name, value in vars(impl).items()
        if name.isupper() and name not in NOT_COPIED
    },
)

from impl_drf.api import views  # noqa: E402
from impl_drf.urls import router  # noqa: E402 (its import registers the item_id converter)

urlpatterns: list[Any] = [
    path("health", views.HealthView.as_view(), name="health"),
    path("me", views.MeView.as_view(), name="me"),
    *router.urls,
]
