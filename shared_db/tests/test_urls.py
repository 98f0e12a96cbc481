import pytest

from shared_db.urls import libpq_url, sqlalchemy_url


@pytest.mark.parametrize(
    "given",
    [
        "postgresql://u:p@db:5432/app",
        "postgres://u:p@db:5432/app",
        "postgresql+psycopg://u:p@db:5432/app",
    ],
)
def test_sqlalchemy_url_uses_psycopg3(given):
    url = sqlalchemy_url(given)
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port, url.database, url.password) == ("db", 5432, "app", "p")


def test_socket_urls_keep_their_host_directory():
    url = sqlalchemy_url("postgresql://postgres:@/postgres?host=/run/pg")
    assert url.query["host"] == "/run/pg"


def test_libpq_url_drops_the_driver_suffix():
    assert libpq_url("postgresql+psycopg://u:p@db/app") == "postgresql://u:p@db/app"


def test_other_databases_are_refused():
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        sqlalchemy_url("mysql://u@db/app")
