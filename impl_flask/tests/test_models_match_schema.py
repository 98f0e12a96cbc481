"""The ORM models describe exactly the tables Alembic creates."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from impl_flask.models import Base
from shared_db.urls import sqlalchemy_url


def test_models_match_migrated_schema(migrated_database_url: str) -> None:
    engine = create_engine(sqlalchemy_url(migrated_database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
