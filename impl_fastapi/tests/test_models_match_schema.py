"""The ORM models describe the schema the Alembic migrations create, exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from impl_fastapi.models import Base
from shared_db.urls import sqlalchemy_url

CONTRACT_TABLES = {"users", "items"}


def _include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    # Only the contract's tables; alembic_version and anything else are not ours.
    if type_ == "table":
        return name in CONTRACT_TABLES
    table = getattr(obj, "table", None)
    return table is None or table.name in CONTRACT_TABLES


def test_models_match_migrated_schema(migrated_database_url: str) -> None:
    engine = create_engine(sqlalchemy_url(migrated_database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "include_object": _include_object,
                    "compare_type": True,
                    "compare_server_default": True,
                },
            )
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
