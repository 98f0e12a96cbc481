"""The unmanaged models against the tables Alembic creates: no drift either way."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, models

from impl_drf.api.models import Item, User

# Django's column types (``Field.db_type``) as information_schema spells them.
TYPE_NAMES = {
    "bigint": "bigint",
    "integer": "integer",
    "varchar": "character varying",
    "text": "text",
    "timestamp with time zone": "timestamp with time zone",
}


@pytest.fixture(scope="module")
def columns(database_url: str) -> dict[tuple[str, str], dict[str, object]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT table_name, column_name, is_nullable, data_type, character_maximum_length"
            " FROM information_schema.columns WHERE table_schema = 'public'"
        ).fetchall()
    return {
        (table, column): {"nullable": nullable == "YES", "type": data_type, "max_length": length}
        for table, column, nullable, data_type, length in rows
    }


@pytest.mark.parametrize("model", [User, Item])
def test_every_field_matches_its_column(
    model: type[models.Model], columns: dict[tuple[str, str], dict[str, object]]
) -> None:
    table = model._meta.db_table
    assert not model._meta.managed, "the schema belongs to Alembic"
    for field in model._meta.concrete_fields:
        key = (table, field.column)
        assert key in columns, f"{table}.{field.column} is not in the schema"
        column = columns[key]
        db_type = field.db_type(connection) or ""
        assert column["type"] == TYPE_NAMES[db_type.split("(")[0]], key
        assert column["nullable"] == field.null, key
        assert column["max_length"] == getattr(field, "max_length", None), key


@pytest.mark.parametrize("model", [User, Item])
def test_every_column_has_a_field(
    model: type[models.Model], columns: dict[tuple[str, str], dict[str, object]]
) -> None:
    table = model._meta.db_table
    in_schema = {column for (name, column) in columns if name == table}
    assert in_schema, f"table {table} does not exist"
    assert in_schema == {field.column for field in model._meta.concrete_fields}


def test_constraints_the_views_rely_on(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        found = {
            name
            for (name,) in conn.execute(
                "SELECT constraint_name FROM information_schema.table_constraints"
                " WHERE table_schema = 'public'"
            )
        }
    # views.RegisterView turns a violation of exactly this constraint into a 409.
    assert "users_username_key" in found
    assert "items_owner_id_fkey" in found
    owner = Item._meta.get_field("owner")
    assert owner.remote_field.model is User
    assert owner.remote_field.on_delete is models.CASCADE
