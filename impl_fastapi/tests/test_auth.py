"""Logins, through the app on a real database."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"


@pytest.fixture
def verify_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verification the app runs, by the hash it checked against."""
    calls: list[str] = []
    verify: Callable[..., Any] = PasswordHasher.verify

    def spy(self: PasswordHasher, hash: str, password: str | bytes) -> Any:
        calls.append(hash)
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    return calls


def _register(client: TestClient) -> str:
    username = f"user_{uuid.uuid4().hex[:12]}"
    response = client.post("/auth/register", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return username


# Unknown users: one that could exist, and one no registration can produce (no query runs).
@pytest.mark.parametrize("username", ["nobody_here", "Not A Username\u0000"])
def test_unknown_username_still_verifies_a_hash(
    db_client: TestClient, verify_calls: list[str], username: str
) -> None:
    # What makes both failures take alike (auth.token): the same argon2 work, whether
    # or not the user exists. A wall-clock comparison would only measure this noisily.
    known = _register(db_client)
    verify_calls.clear()

    wrong_password = db_client.post("/auth/token", json={"username": known, "password": "nope"})
    unknown_user = db_client.post("/auth/token", json={"username": username, "password": "nope"})

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json() == unknown_user.json()
    assert len(verify_calls) == 2, "one verification per login, known user or not"
    assert all(h.startswith("$argon2id$") for h in verify_calls)


def test_right_password_verifies_once_and_gets_a_token(
    db_client: TestClient, verify_calls: list[str]
) -> None:
    username = _register(db_client)
    verify_calls.clear()
    response = db_client.post("/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert len(verify_calls) == 1
