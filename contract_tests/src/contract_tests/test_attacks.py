"""Attacks that belong to no single section of the contract.

Most rows of the attack matrix (``contract_tests.attacks``) are tagged on the
tests of their section (forged tokens in ``test_auth.py``, hostile JSON in
``test_bodies.py``, ...). This module holds the rest: a token that outlives its
user, login timing, and SQL-shaped input across endpoints.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from contract_tests import support
from contract_tests.support import expect, expect_json, expect_problem, expect_unauthorized

# --- a token that outlives its user -----------------------------------------------------------


@pytest.mark.white_box
@pytest.mark.contract("auth.bearer.rejected")
@pytest.mark.attack("jwt.deleted-user")
def test_token_of_a_deleted_user_is_rejected(
    client: httpx.Client, servers_database_url: str
) -> None:
    """White-box: the contract has no endpoint that deletes a user, so the row goes in SQL.

    A still-valid token must not outlive its user: verifiers look the user up on every
    request rather than trusting ``sub``.
    """
    import psycopg  # only white-box tests need a database driver

    account = support.register(client)
    headers = account.headers(client)
    expect_json(client.get("/me", headers=headers), 200, "the token is valid")
    with psycopg.connect(servers_database_url, autocommit=True) as conn:
        deleted = conn.execute("DELETE FROM users WHERE id = %s", (account.id,)).rowcount
    assert deleted == 1, f"user {account.id} was not in the database at --database-url"
    for method, path, body in [
        ("GET", "/me", None),
        ("POST", "/items", {"name": support.unique_name(), "price_cents": 1}),
    ]:
        expect_unauthorized(
            client.request(method, path, json=body, headers=headers),
            "the token's user was deleted: its token is refused although its signature and "
            "exp are valid",
            sent="a valid token of a deleted user",
        )


# --- SQL-shaped input -------------------------------------------------------------------------

SQL_SHAPED_LOGINS = {
    "or-true": ("' OR '1'='1' --", "' OR '1'='1"),
    "union": ("x' UNION SELECT 1, 'admin', 'x' --", "password-1"),
    "comment-out-password": ("{user}' --", "not-the-password"),
    "stacked": ("{user}'; UPDATE users SET password_hash = '' --", "not-the-password"),
}


@pytest.mark.contract("auth.token.invalid-credentials")
@pytest.mark.attack("injection.sql-shaped")
@pytest.mark.parametrize("case", list(SQL_SHAPED_LOGINS))
def test_sql_shaped_credentials_do_not_log_in(
    client: httpx.Client, new_user: support.Account, case: str
) -> None:
    username, password = SQL_SHAPED_LOGINS[case]
    username = username.replace("{user}", new_user.username)
    response = client.post("/auth/token", json={"username": username, "password": password})
    expect_unauthorized(
        response,
        "SQL in credentials is data, never query text: these match no user",
        sent=f"username {username!r} ({case})",
    )
    support.issue_token(client, new_user.username, new_user.password)


@pytest.mark.contract("auth.register.password-rules")
@pytest.mark.attack("injection.sql-shaped")
def test_sql_shaped_password_is_stored_verbatim(client: httpx.Client) -> None:
    password = "'); DROP TABLE users; --"
    account = support.register(client, password=password)
    support.issue_token(client, account.username, password)
    expect(
        client.post("/auth/token", json={"username": account.username, "password": "' OR ''='"}),
        401,
        "only the exact password logs in",
        sent="a SQL-shaped wrong password",
    )


SQL_SHAPED_REQUESTS: dict[str, tuple[str, dict[str, Any], int, str | None]] = {
    "limit": ("/items", {"limit": "1; DROP TABLE items"}, 422, "limit"),
    "offset": ("/items", {"offset": "0 OR 1=1"}, 422, "offset"),
    "limit-union": ("/items", {"limit": "1 UNION SELECT * FROM users"}, 422, "limit"),
    "item-id-or": ("/items/1 OR 1=1", {}, 404, None),
    "item-id-stacked": ("/items/1;DELETE FROM items", {}, 404, None),
}


@pytest.mark.contract("items.list.bad-pagination", "items.retrieve.not-found")
@pytest.mark.attack("injection.sql-shaped")
@pytest.mark.parametrize("case", list(SQL_SHAPED_REQUESTS))
def test_sql_shaped_query_and_path_values_are_refused(
    client: httpx.Client, item: dict[str, Any], case: str
) -> None:
    path, params, status, field = SQL_SHAPED_REQUESTS[case]
    response = client.get(path, params=params)
    expect_problem(
        response,
        status,
        "a SQL-shaped parameter is an invalid value (422) or an unknown id (404), never SQL",
        fields=field or (),
    )
    expect_json(client.get(f"/items/{item['id']}"), 200, "the items table is intact")
