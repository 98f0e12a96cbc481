"""The contract's two tables, mapped onto the schema that Alembic owns.

``managed = False``: Django never creates or alters ``users`` and ``items``; its
migrations for this app record the models only. The validators below are the
contract's rules, so the admin's forms and the API's serializers enforce the same
ones (the database's CHECK constraints back them up).
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Now

INT4_MAX = 2_147_483_647
BIGINT_MAX = 9_223_372_036_854_775_807

# contract: auth.register
USERNAME_PATTERN = re.compile(r"[a-z0-9_.-]{3,32}")
# contract: auth.register
validate_username = RegexValidator(
    rf"\A{USERNAME_PATTERN.pattern}\Z",
    "Use 3 to 32 of: lowercase letters, digits, '_', '.', '-'.",
)


# contract: validation
def validate_not_blank(value: str) -> None:
    if value.isspace():
        raise ValidationError("Must not be only whitespace.", code="blank")


# contract: validation
def validate_no_control_characters(value: str) -> None:
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValidationError("Must not contain control characters.", code="control_characters")


class User(models.Model):
    """An API user (the contract's), not a staff login: those are ``auth.User``."""

    id = models.BigAutoField(primary_key=True)
    username = models.CharField(max_length=32, unique=True, validators=[validate_username])
    password_hash = models.TextField()
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        managed = False
        db_table = "users"
        verbose_name = "API user"

    def __str__(self) -> str:
        return self.username

    # contract: auth.current-user
    # DRF's permission classes ask this of whatever the authentication class returned.
    @property
    def is_authenticated(self) -> bool:
        return True


# contract: validation
class Item(models.Model):
    id = models.BigAutoField(primary_key=True)
    name = models.CharField(
        max_length=100, validators=[validate_not_blank, validate_no_control_characters]
    )
    price_cents = models.IntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(INT4_MAX)]
    )
    owner = models.ForeignKey(
        User, db_column="owner_id", on_delete=models.CASCADE, related_name="items"
    )
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        managed = False
        db_table = "items"
        ordering = ("id",)

    def __str__(self) -> str:
        return self.name
