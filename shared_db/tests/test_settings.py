import pytest

from shared_db import ConfigurationError, Settings


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/app")
    monkeypatch.setenv("JWT_SECRET", "s" * 40)
    monkeypatch.setenv("JWT_TTL_SECONDS", "60")
    settings = Settings()
    assert settings.database_url == "postgresql://u@db/app"
    assert settings.jwt_secret.get_secret_value() == "s" * 40
    assert settings.jwt_ttl_seconds == 60
    assert not settings.uses_dev_secret


def test_the_development_secret_is_flagged(monkeypatch):
    monkeypatch.delenv("JWT_SECRET", raising=False)
    assert Settings().uses_dev_secret


def test_a_missing_database_url_explains_itself():
    with pytest.raises(ConfigurationError, match="arena serve"):
        Settings(database_url=None).require_database_url()


def test_ttl_must_be_positive():
    with pytest.raises(ValueError, match="greater than 0"):
        Settings(jwt_ttl_seconds=0)


def test_libpq_options_bound_every_wait():
    options = Settings(db_connect_timeout_seconds=2, db_statement_timeout_ms=1500).libpq_options()
    assert options["connect_timeout"] == 2
    assert options["options"] == "-c statement_timeout=1500"
    assert options["keepalives"] == 1


def test_libpq_options_are_accepted_by_a_real_server(admin_database_url):
    import psycopg

    from shared_db.urls import libpq_url

    with psycopg.connect(libpq_url(admin_database_url), **Settings().libpq_options()) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("2s",)


def test_the_bounds_add_up_to_the_contracts_five_seconds():
    settings = Settings()
    pool_then_connect = settings.db_pool_timeout_seconds + settings.db_connect_timeout_seconds
    pool_then_round_trip = settings.db_pool_timeout_seconds + settings.db_watchdog_seconds
    assert max(pool_then_connect, pool_then_round_trip) < 5
