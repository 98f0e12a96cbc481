"""``python -m impl_drf ensure_demo_admin --demo-database``: a staff login for the demo.

Only for a throw-away demo database (``arena demo`` runs it on the embedded
Postgres, see ``demo_setup`` in pyproject.toml): without ``--demo-database`` it
refuses, so no deployment gets a well-known superuser by accident. A login that
exists is left exactly as it is (its password is never reset); a new one gets
``ARENA_DEMO_ADMIN_PASSWORD`` (as ``createsuperuser`` reads ``DJANGO_SUPERUSER_PASSWORD``),
or a generated password printed this once.
``python -m impl_drf changepassword admin`` sets a forgotten one.
"""

from __future__ import annotations

import os
import secrets
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

PASSWORD_ENV = "ARENA_DEMO_ADMIN_PASSWORD"  # noqa: S105 (the variable's name)


class Command(BaseCommand):
    help = "Create the demo's Django admin superuser if it does not exist (demo databases only)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument(
            "--demo-database",
            action="store_true",
            help="Confirm that the database is a throw-away demo database.",
        )

    def handle(self, *args: Any, username: str, demo_database: bool, **options: Any) -> None:
        if not demo_database:
            raise CommandError(
                "Refusing to create a superuser: this is for a throw-away demo database. "
                "Pass --demo-database if that is what DATABASE_URL names; otherwise use "
                "`python -m impl_drf createsuperuser`."
            )
        staff_model = get_user_model()
        if staff_model.objects.filter(username=username).exists():
            self.stdout.write(f"Admin login {username!r} exists; its password is unchanged.")
            return
        chosen = os.environ.get(PASSWORD_ENV)
        password = chosen or secrets.token_urlsafe(12)
        try:
            with transaction.atomic():
                staff_model.objects.create_superuser(username=username, password=password)
        except IntegrityError:
            # Another run created it in the meantime: that one's password stands.
            self.stdout.write(f"Admin login {username!r} exists; its password is unchanged.")
            return
        if chosen:
            self.stdout.write(f"Admin login {username!r} created with {PASSWORD_ENV}.")
        else:
            self.stdout.write(
                f"Admin login {username!r} created, password {password} (shown this once)."
            )
