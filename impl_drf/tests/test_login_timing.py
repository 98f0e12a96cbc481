"""POST /auth/token costs one password verification whoever asks (auth.enumeration-timing).

The cause of equal timing, counted rather than timed: an unknown username is
checked against a dummy hash, so its answer takes an argon2 verification just like
a wrong password's. Through the app's test client, on a throw-away database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from unittest import mock

import pytest
from argon2 import PasswordHasher
from rest_framework.test import APIClient

from impl_drf.api import security
from impl_drf.api.models import User

pytestmark = pytest.mark.usefixtures("database")

PASSWORD = "the-right-password"


@pytest.fixture
def user() -> User:
    return User.objects.create(
        username=f"u{uuid.uuid4().hex[:12]}", password_hash=security.hash_password(PASSWORD)
    )


@pytest.fixture
def verify() -> Iterator[mock.MagicMock]:
    """argon2-cffi's verify, still doing its work, with its calls counted.

    Patched on the class: PasswordHasher instances have slots, not a __dict__."""
    original = PasswordHasher.verify
    with mock.patch.object(PasswordHasher, "verify", autospec=True, side_effect=original) as spy:
        yield spy


def token(username: str, password: str) -> int:
    response = APIClient().post(
        "/auth/token", {"username": username, "password": password}, format="json"
    )
    return response.status_code


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("the right password", 200),
        ("a wrong password", 401),
        ("an unknown username", 401),
        ("a username no registration can produce", 401),
    ],
)
def test_every_login_verifies_one_password_hash(
    user: User, verify: mock.MagicMock, who: str, status: int
) -> None:
    username, password = {
        "the right password": (user.username, PASSWORD),
        "a wrong password": (user.username, "not-the-password"),
        "an unknown username": (f"nobody{uuid.uuid4().hex[:8]}", PASSWORD),
        "a username no registration can produce": ("NO\x00BODY", PASSWORD),
    }[who]

    assert token(username, password) == status
    assert verify.call_count == 1, f"{who}: {verify.call_count} hash verifications"


def test_an_unknown_username_is_verified_against_a_real_argon2_hash(
    verify: mock.MagicMock,
) -> None:
    token(f"nobody{uuid.uuid4().hex[:8]}", PASSWORD)

    (_, stored_hash, _), _ = verify.call_args
    # A dummy of the same kind as a stored hash costs the same to check.
    assert stored_hash.startswith("$argon2id$")
    assert security._hasher.check_needs_rehash(stored_hash) is False
