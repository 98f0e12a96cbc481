"""``DATABASES`` from the one DATABASE_URL the harness passes."""

from __future__ import annotations

import pytest

from impl_drf.settings import database_from_url
from shared_db import ConfigurationError


def test_a_tcp_url() -> None:
    entry = database_from_url("postgresql://arena:s%40cret@db.example:6543/arena", pool_size=7)
    assert entry["ENGINE"] == "django.db.backends.postgresql"
    assert (entry["NAME"], entry["USER"], entry["PASSWORD"]) == ("arena", "arena", "s@cret")
    assert (entry["HOST"], entry["PORT"]) == ("db.example", "6543")
    assert entry["OPTIONS"]["connect_timeout"] == 3
    assert entry["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 7, "timeout": 3}


def test_a_socket_directory_lands_in_host() -> None:
    entry = database_from_url("postgresql://postgres:@/postgres?host=/run/pg", pool_size=1)
    assert (entry["NAME"], entry["HOST"], entry["PORT"]) == ("postgres", "/run/pg", "")


def test_other_parameters_pass_through() -> None:
    entry = database_from_url("postgres://u@h/d?sslmode=require", pool_size=1)
    assert entry["OPTIONS"]["sslmode"] == "require"


def test_a_driver_suffix_is_accepted_and_other_schemes_are_not() -> None:
    assert database_from_url("postgresql+psycopg://u@h/d", pool_size=1)["NAME"] == "d"
    with pytest.raises(ConfigurationError, match="not a PostgreSQL URL"):
        database_from_url("mysql://u@h/d", pool_size=1)
