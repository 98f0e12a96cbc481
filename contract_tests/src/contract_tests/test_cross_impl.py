"""Two implementations over one database and one secret behave as one API.

Generated for each ordered pair (A, B) of distinct --base-url servers; not generated
when fewer than two are given.
"""

from __future__ import annotations

import httpx
import pytest

from contract_tests import support
from contract_tests.support import check_item, expect_json

Pair = tuple[httpx.Client, httpx.Client]


@pytest.mark.contract("auth.jwt.portable")
def test_user_registered_on_a_logs_in_on_b(pair: Pair) -> None:
    a, b = pair
    account = support.register(a)
    response = b.post(
        "/auth/token", json={"username": account.username, "password": account.password}
    )
    expect_json(
        response,
        200,
        f"the user was registered through {a.base_url}, and every implementation verifies the "
        "same argon2id hashes",
    )


@pytest.mark.contract("auth.jwt.portable", "users.me")
def test_token_from_a_is_accepted_by_b(pair: Pair) -> None:
    a, b = pair
    account = support.register(a)
    me = expect_json(
        b.get("/me", headers=account.headers(a)),
        200,
        f"a token issued by {a.base_url} is valid everywhere (one HS256 secret)",
    )
    assert me == account.user, (
        f"GET /me on {b.base_url} must be the user registered on {a.base_url}, "
        f"byte for byte (auth.jwt.portable, general.timestamps): {me} != {account.user}"
    )


@pytest.mark.contract("general.timestamps", "items.retrieve.ok")
def test_item_created_on_a_reads_identically_on_b(pair: Pair) -> None:
    a, b = pair
    account = support.register(a)
    created = support.create_item(a, account.headers(a), name=support.unique_name("cross"))
    on_a = expect_json(a.get(f"/items/{created['id']}"), 200, "the item exists")
    on_b = check_item(
        expect_json(b.get(f"/items/{created['id']}"), 200, "all servers share one database"),
        "GET /items/{id} response",
    )
    for member in support.ITEM_MEMBERS:
        assert on_b[member] == on_a[member], (
            f"{member} of item {created['id']} must be identical through every implementation "
            f"(general.timestamps: byte-identical created_at): {a.base_url} says "
            f"{on_a[member]!r}, {b.base_url} says {on_b[member]!r}"
        )


@pytest.mark.contract("auth.jwt.portable", "items.update.ok")
def test_item_created_on_a_is_patched_by_its_owner_on_b(pair: Pair) -> None:
    a, b = pair
    account = support.register(a)
    created = support.create_item(a, account.headers(a))
    response = b.patch(
        f"/items/{created['id']}", json={"price_cents": 77}, headers=account.headers(b)
    )
    updated = expect_json(response, 200, "the owner may PATCH its item through any implementation")
    assert updated == {**created, "price_cents": 77}, (
        f"the item patched through {b.base_url} must keep everything but the change: "
        f"{updated} != {created}"
    )
    stored = expect_json(a.get(f"/items/{created['id']}"), 200, "the item exists")
    assert stored == updated
