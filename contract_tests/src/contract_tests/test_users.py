"""GET /me."""

from __future__ import annotations

import httpx
import pytest

from contract_tests import support
from contract_tests.support import check_user, expect_json


@pytest.mark.contract("users.me")
@pytest.mark.attack("exposure.exact-members")
def test_me_is_the_tokens_user(
    client: httpx.Client, new_user: support.Account, auth_headers: dict[str, str]
) -> None:
    me = check_user(
        expect_json(client.get("/me", headers=auth_headers), 200, "the token is valid"),
        "GET /me response",
    )
    assert me == new_user.user, (
        f"GET /me must be the token's User as registered (users.me): expected {new_user.user}, "
        f"got {me}"
    )


@pytest.mark.contract("users.me")
def test_me_follows_the_token_not_the_session(
    client: httpx.Client, new_user: support.Account, shared_user: support.Account
) -> None:
    first = expect_json(
        client.get("/me", headers=new_user.headers(client)), 200, "the token is valid"
    )
    second = expect_json(
        client.get("/me", headers=shared_user.headers(client)), 200, "the token is valid"
    )
    assert (first["id"], second["id"]) == (new_user.id, shared_user.id), (
        "two tokens for two users must each read their own User from GET /me (users.me); got "
        f"{first} and {second}"
    )
