"""The migrations create the contract's schema, and the database enforces its rules."""

import psycopg
import pytest

from shared_db import migrate, seed
from shared_db.urls import libpq_url


@pytest.fixture
def conn(migrated_database_url):
    with psycopg.connect(libpq_url(migrated_database_url)) as connection:
        yield connection


@pytest.fixture
def owner_id(conn):
    return conn.execute(
        "INSERT INTO users (username, password_hash) VALUES ('owner', 'x') RETURNING id"
    ).fetchone()[0]


@pytest.mark.parametrize(
    ("name", "price"),
    [("", 1), ("x" * 101, 1), ("ok", -1), ("ok", 2147483648)],
)
def test_check_constraints_mirror_the_contract(conn, owner_id, name, price):
    with pytest.raises((psycopg.IntegrityError, psycopg.DataError)):
        conn.execute(
            "INSERT INTO items (name, price_cents, owner_id) VALUES (%s, %s, %s)",
            (name, price, owner_id),
        )


def test_names_count_code_points_not_bytes(conn, owner_id):
    conn.execute(
        "INSERT INTO items (name, price_cents, owner_id) VALUES (%s, 0, %s)", ("é" * 100, owner_id)
    )


def test_usernames_are_unique(conn, owner_id):
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("INSERT INTO users (username, password_hash) VALUES ('owner', 'y')")


def test_deleting_a_user_deletes_their_items(conn, owner_id):
    conn.execute("INSERT INTO items (name, price_cents, owner_id) VALUES ('a', 1, %s)", (owner_id,))
    conn.execute("DELETE FROM users WHERE id = %s", (owner_id,))
    assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 0


def test_migrations_go_down_and_up_again(migrated_database_url):
    migrate.downgrade(migrated_database_url, "base")
    migrate.upgrade(migrated_database_url)


def test_seeding_is_deterministic_and_idempotent(migrated_database_url):
    first = seed.seed(migrated_database_url, 250)
    again = seed.seed(migrated_database_url, 250)
    assert (first.users, first.items_added, first.items_total) == (3, 250, 250)
    assert (again.items_added, again.items_total) == (0, 250)
    with psycopg.connect(libpq_url(migrated_database_url)) as conn:
        row = conn.execute(
            "SELECT i.name, i.price_cents, u.username"
            " FROM items i JOIN users u ON u.id = i.owner_id ORDER BY i.id OFFSET 7 LIMIT 1"
        ).fetchone()
    assert row == ("Seed item 000007", (7 * 7919) % 100_000, "seed_00001")
