"""Deterministic seed data for demos and benchmarks (``arena db seed N``).

Seed users are ``seed_00000``, ``seed_00001``, ... with one shared password; item
``i`` always has the same name, price and owner. Seeding is idempotent: it tops
the seed items up to N and never touches rows it did not create.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from argon2 import PasswordHasher

from shared_db.urls import libpq_url

SEED_PASSWORD = "arena-seed-password"  # noqa: S105 (documented demo credential)
ITEMS_PER_USER = 100
MAX_USERS = 1000


@dataclass(frozen=True)
class SeedResult:
    users: int
    items_added: int
    items_total: int


def seed_username(index: int) -> str:
    return f"seed_{index:05d}"


def seed_item(index: int, owner_ids: list[int]) -> tuple[str, int, int]:
    return (f"Seed item {index:06d}", (index * 7919) % 100_000, owner_ids[index % len(owner_ids)])


def seed(database_url: str, n_items: int) -> SeedResult:
    n_users = min(MAX_USERS, max(1, -(-n_items // ITEMS_PER_USER)))
    usernames = [seed_username(i) for i in range(n_users)]
    # One hash for all seed users: hashing is deliberately slow (~50 ms each).
    password_hash = PasswordHasher().hash(SEED_PASSWORD)
    with psycopg.connect(libpq_url(database_url)) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO users (username, password_hash) VALUES (%s, %s)"
            " ON CONFLICT (username) DO NOTHING",
            [(name, password_hash) for name in usernames],
        )
        cur.execute("SELECT id FROM users WHERE username = ANY(%s) ORDER BY username", (usernames,))
        owner_ids = [row[0] for row in cur.fetchall()]
        cur.execute(
            "SELECT count(*) FROM items WHERE owner_id IN"
            " (SELECT id FROM users WHERE username LIKE 'seed\\_%%')"
        )
        existing = int(cur.fetchone()[0])  # type: ignore[index]
        with cur.copy("COPY items (name, price_cents, owner_id) FROM STDIN") as copy:
            for index in range(existing, n_items):
                copy.write_row(seed_item(index, owner_ids))
    added = max(0, n_items - existing)
    return SeedResult(users=n_users, items_added=added, items_total=existing + added)
