"""``DATABASES`` from the one DATABASE_URL the harness passes; the deployment settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from impl_drf.deployment import LOCAL_HOSTS, Deployment
from impl_drf.settings import database_from_url
from shared_db import ConfigurationError, Settings

ARENA = Settings(db_pool_size=7, db_pool_timeout_seconds=2, db_statement_timeout_ms=1500)


def test_a_tcp_url() -> None:
    entry = database_from_url("postgresql://arena:s%40cret@db.example:6543/arena", ARENA)
    assert entry["ENGINE"] == "impl_drf.db"
    assert (entry["NAME"], entry["USER"], entry["PASSWORD"]) == ("arena", "arena", "s@cret")
    assert (entry["HOST"], entry["PORT"]) == ("db.example", "6543")
    assert entry["OPTIONS"]["pool"] == {
        "min_size": 1,
        "max_size": 7,
        "timeout": 2,
        "reconnect_timeout": 2,
    }


def test_the_shared_libpq_options_and_bounds_are_passed() -> None:
    entry = database_from_url("postgresql://u@h/d", ARENA)
    for name, value in ARENA.libpq_options().items():
        assert entry["OPTIONS"][name] == value
    assert entry["OPTIONS"]["options"] == "-c statement_timeout=1500"
    assert entry["WATCHDOG_SECONDS"] == 2.0
    # A pooled connection is handed out without a ping that could hang.
    assert entry["CONN_HEALTH_CHECKS"] is False


def test_a_socket_directory_lands_in_host() -> None:
    entry = database_from_url("postgresql://postgres:@/postgres?host=/run/pg", ARENA)
    assert (entry["NAME"], entry["HOST"], entry["PORT"]) == ("postgres", "/run/pg", "")


def test_other_parameters_pass_through_and_options_add_up() -> None:
    entry = database_from_url("postgres://u@h/d?sslmode=require&options=-csearch_path%3Dx", ARENA)
    assert entry["OPTIONS"]["sslmode"] == "require"
    assert entry["OPTIONS"]["options"] == "-c statement_timeout=1500 -csearch_path=x"


def test_a_driver_suffix_is_accepted_and_other_schemes_are_not() -> None:
    assert database_from_url("postgresql+psycopg://u@h/d", ARENA)["NAME"] == "d"
    with pytest.raises(ConfigurationError, match="not a PostgreSQL URL"):
        database_from_url("mysql://u@h/d", ARENA)


def test_deployment_lists_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "drf, api.example.com,")
    monkeypatch.setenv("DJANGO_CSRF_TRUSTED_ORIGINS", "https://admin.example.com")
    deployment = Deployment()
    assert deployment.allowed_hosts == ["drf", "api.example.com"]
    assert deployment.csrf_trusted_origins == ["https://admin.example.com"]


def test_deployment_defaults_serve_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DJANGO_ALLOWED_HOSTS", "DJANGO_HTTPS", "DJANGO_SECURE_SSL_REDIRECT"):
        monkeypatch.delenv(name, raising=False)
    deployment = Deployment()
    assert deployment.allowed_hosts == LOCAL_HOSTS
    assert not deployment.https
    assert not deployment.secure_ssl_redirect


def test_check_deploy_is_clean_behind_a_tls_proxy() -> None:
    production = {
        "DATABASE_URL": "postgresql://u@db.invalid/d",  # the check connects to nothing
        "JWT_SECRET": "a-production-secret-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "api.example.com",
        "DJANGO_HTTPS": "true",
        "DJANGO_SECURE_SSL_REDIRECT": "true",
        "DJANGO_SECURE_HSTS_SECONDS": "31536000",
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "DJANGO_SECURE_HSTS_PRELOAD": "true",
    }
    result = subprocess.run(
        [sys.executable, "-m", "impl_drf", "check", "--deploy", "--fail-level", "WARNING"],
        env={**os.environ, **production},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
