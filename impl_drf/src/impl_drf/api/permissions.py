from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from impl_drf.api.models import Item


# contract: auth.ownership
class IsOwnerOrReadOnly(BasePermission):
    """Anyone may read an item; only its owner may change or delete it (else 403)."""

    message = "Only the owner of this item may change or delete it."

    def has_object_permission(self, request: Request, view: Any, obj: Item) -> bool:
        return request.method in SAFE_METHODS or obj.owner_id == request.user.pk
