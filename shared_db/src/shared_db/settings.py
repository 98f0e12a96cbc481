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
