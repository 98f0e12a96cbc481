"""Logins verify a password hash whether or not the username exists.

``auth.token.invalid-credentials`` asks that an unknown username and a wrong password
be indistinguishable. Their bodies are compared by the suite; their cost is the work
done: an argon2 verification either way, counted here instead of timed.
"""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The hashes ``PasswordHasher.verify`` was asked to check, in order."""
    checked: list[str] = []
    verify = PasswordHasher.verify

    def counting(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> Any:
        checked.append(hash if isinstance(hash, str) else hash.decode())
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return checked


def login(client: FlaskClient, username: str, password: str) -> tuple[int, Any]:
    response = client.post("/auth/token", json={"username": username, "password": password})
    return response.status_code, response.get_json()


@pytest.mark.parametrize(
    "username",
    [
        "nobody_here",  # a valid username no one registered
        "NOT-VALID",  # one no registration can produce: no query at all
        "nul\x00name",  # one Postgres could not even compare
    ],
)
def test_an_unknown_username_still_verifies_a_hash(
    db_client: FlaskClient, account: dict[str, Any], verifications: list[str], username: str
) -> None:
    unknown = login(db_client, username, account["password"])
    assert len(verifications) == 1

    wrong = login(db_client, account["username"], "not-the-password")
    assert len(verifications) == 2
    # Same work (argon2id with the same cost parameters), same answer.
    dummy, real = (hash.split("$")[1:4] for hash in verifications)
    assert dummy == real
    assert dummy[0] == "argon2id"
    assert unknown == wrong
    assert unknown[0] == 401


def test_a_right_password_verifies_the_users_own_hash(
    db_client: FlaskClient, account: dict[str, Any], verifications: list[str]
) -> None:
    status, _ = login(db_client, account["username"], account["password"])
    assert status == 200
    assert len(verifications) == 1
