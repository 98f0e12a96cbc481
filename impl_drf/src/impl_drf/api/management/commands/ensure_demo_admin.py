"""``python -m impl_drf ensure_demo_admin``: the staff login for demos, idempotently."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_PASSWORD = "arena-admin-demo"  # noqa: S105 (a documented demo credential)


class Command(BaseCommand):
    help = "Create (or repair) the Django admin superuser used by the demo."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args: Any, username: str, password: str, **options: Any) -> None:
        staff, created = get_user_model().objects.get_or_create(username=username)
        changed = created or not (staff.is_staff and staff.is_superuser and staff.is_active)
        staff.is_staff = staff.is_superuser = staff.is_active = True
        if not staff.check_password(password):
            staff.set_password(password)
            changed = True
        if changed:
            staff.save()
        state = "created" if created else ("updated" if changed else "unchanged")
        self.stdout.write(f"Admin login {username!r}: {state}.")
