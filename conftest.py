"""Fixtures shared by every package's unit tests (the contract suite has its own plugin)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from shared_db.testing import ADMIN_URL_ENV, temporary_database


@pytest.fixture(scope="session")
def admin_database_url() -> str:
    url = os.environ.get(ADMIN_URL_ENV)
    if not url:
        pytest.fail(
            f"{ADMIN_URL_ENV} is not set: these tests need a PostgreSQL server where they may "
            "create databases. `make unit` sets it to the embedded Postgres (or DATABASE_URL)."
        )
    return url


@pytest.fixture
def migrated_database_url(admin_database_url: str) -> Iterator[str]:
    """A fresh database at the Alembic head, dropped afterwards."""
    with temporary_database(admin_database_url) as url:
        yield url
