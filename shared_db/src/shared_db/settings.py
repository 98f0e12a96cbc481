"""The one typed settings object every implementation receives.

Implementations never read ``os.environ`` themselves: they take a ``Settings``
(built from the environment by default) so tests can pass their own.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Long enough for HS256 (RFC 7518 asks for a key of at least 256 bits).
DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef"  # noqa: S105


class ConfigurationError(RuntimeError):
    """A setting is missing or unusable; the message says how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="Any PostgreSQL URL; unset means the embedded Postgres started by `arena`.",
    )
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_ttl_seconds: int = Field(default=3600, gt=0)
    db_pool_size: int = Field(default=10, gt=0, description="Connections per server process.")
    # The three bounds below add up to the contract's promise for a database that stops
    # answering: a 503 within 5 s (pool wait + a fresh connection, or pool wait + the
    # watchdog's bound on one round trip).
    db_connect_timeout_seconds: int = Field(
        default=2, gt=0, description="How long opening a database connection may take."
    )
    db_pool_timeout_seconds: int = Field(
        default=2,
        gt=0,
        description="How long a request may wait for one of the pool's connections before 503.",
    )
    db_statement_timeout_ms: int = Field(
        default=2000,
        gt=0,
        description="The server cancels any statement that runs longer (statement_timeout).",
    )

    # The fan-out level (docs/contract.md, "Fan-out"): the service each implementation
    # calls, and how long one call may take before the answer is 504.
    downstream_url: str = Field(
        default="http://127.0.0.1:8400/work",
        description="The downstream service of GET /items/{id}/enriched (level io).",
    )
    downstream_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="How long one downstream call may take before the answer is 504.",
    )
    downstream_max_connections: int = Field(
        default=100,
        gt=0,
        description="Connections to the downstream service per server process (HTTP pool).",
    )

    @property
    def db_watchdog_seconds(self) -> float:
        """The client's backstop for one database round trip (``shared_db.watchdog``).

        Just above the server's own statement timeout: a live server cancels first
        and says why; the watchdog fires only when the server cannot answer at all.
        """
        return self.db_statement_timeout_ms / 1000 + 0.5

    def libpq_options(self) -> dict[str, str | int]:
        """Connection parameters every implementation passes to libpq (psycopg).

        One place, so the three behave alike when the database misbehaves: a host that
        does not answer fails the connect after ``db_connect_timeout_seconds``; a peer
        that vanishes (network partition, dropped packets) is noticed by TCP keepalives
        and ``tcp_user_timeout`` within a few seconds instead of the kernel's two hours;
        a statement stuck on a lock or a slow plan is cancelled by the server. A server
        that is alive at the TCP level but stopped answering (a frozen process) is none
        of these: each implementation bounds its own wait for that (see its README).
        """
        return {
            "connect_timeout": self.db_connect_timeout_seconds,
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 1,
            "keepalives_count": 3,
            "tcp_user_timeout": 5000,
            "options": f"-c statement_timeout={self.db_statement_timeout_ms}",
        }

    @property
    def uses_dev_secret(self) -> bool:
        return self.jwt_secret.get_secret_value() == DEV_JWT_SECRET

    def require_database_url(self) -> str:
        if not self.database_url:
            raise ConfigurationError(
                "DATABASE_URL is not set. Start the server with `arena serve IMPL` "
                "(it starts the embedded Postgres and sets it), or export "
                "DATABASE_URL=postgresql://user:password@host:5432/dbname."
            )
        return self.database_url
