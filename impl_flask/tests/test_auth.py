"""Logins verify a password hash whether or not the username exists.

``auth.token.invalid-credentials`` asks that an unknown username and a wrong password
be indistinguishable. Their bodies are compared by the suite; their cost is the work
done: an argon2 verification either way, counted here instead of timed. A bearer
token is parsed no more often than flask-jwt-extended must.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from jwt.api_jws import PyJWS
from pydantic import SecretStr

from shared_db import Settings


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


@pytest.fixture
def token_parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The tokens PyJWT parsed (split, base64 and JSON), in order."""
    parsed: list[bytes] = []
    load = PyJWS._load

    def counting(self: PyJWS, token: str | bytes) -> Any:
        parsed.append(token if isinstance(token, bytes) else token.encode())
        return load(self, token)

    monkeypatch.setattr(PyJWS, "_load", counting)
    return parsed


def bearer(settings: Settings, **claims: Any) -> dict[str, str]:
    """A header with an HS256 token for user 1; a claim given as ``None`` is left out."""
    now = int(time.time())
    payload = {"sub": "1", "iat": now, "exp": now + 60, **claims}
    payload = {name: value for name, value in payload.items() if value is not None}
    token = jwt.encode(payload, settings.jwt_secret.get_secret_value(), algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def test_a_token_is_verified_with_one_decode(
    client: FlaskClient, settings: Settings, token_parses: list[bytes]
) -> None:
    # Verified, then the user lookup finds the database unreachable.
    assert client.get("/me", headers=bearer(settings)).status_code == 503
    # The verified decode, and the header flask-jwt-extended's callbacks receive.
    assert len(token_parses) == 2


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 10},  # expired: the extension's own path
        {"nbf": int(time.time()) + 60},
        {"iat": None},  # the token verification loader
    ],
)
def test_a_rejected_token_is_still_401(
    client: FlaskClient, settings: Settings, claims: dict[str, Any]
) -> None:
    response = client.get("/me", headers=bearer(settings, **claims))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_signed_with_another_key_is_401(client: FlaskClient, settings: Settings) -> None:
    other = settings.model_copy(update={"jwt_secret": SecretStr("another-key-" + "0" * 32)})
    assert client.get("/me", headers=bearer(other)).status_code == 401
