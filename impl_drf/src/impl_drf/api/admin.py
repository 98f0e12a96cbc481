"""The Django admin over the contract's tables, for staff (``auth.User`` logins).

API users are read-mostly here: their password hash is never shown or edited, and
they are created through ``POST /auth/register`` only. Items are fully editable;
their forms apply the model's validators, i.e. the contract's rules.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from impl_drf.api.models import Item, User


# ModelAdmin is generic in django-stubs only: at run time it cannot be subscripted
# (that needs django-stubs-ext's monkeypatch, a development dependency here).
@admin.register(User)
class UserAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "username", "created_at", "item_count")
    search_fields = ("username",)
    ordering = ("id",)
    fields = ("id", "username", "created_at", "item_count")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        users: QuerySet[User] = super().get_queryset(request).annotate(item_count=Count("items"))
        return users

    @admin.display(description="items", ordering="item_count")
    def item_count(self, user: User) -> str:
        url = reverse("admin:api_item_changelist") + f"?owner__id__exact={user.pk}"
        return format_html('<a href="{}">{}</a>', url, user.item_count)  # type: ignore[attr-defined]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "name", "price_cents", "owner", "created_at")
    list_select_related = ("owner",)
    search_fields = ("name", "owner__username")
    list_filter = (("owner", admin.RelatedOnlyFieldListFilter),)
    autocomplete_fields = ("owner",)
    readonly_fields = ("created_at",)
    ordering = ("id",)
