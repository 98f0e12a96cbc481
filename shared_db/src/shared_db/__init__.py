"""The shared database story: one schema (Alembic), one settings object, one embedded default."""

from shared_db.settings import DEV_JWT_SECRET, ConfigurationError, Settings

__all__ = ["DEV_JWT_SECRET", "ConfigurationError", "Settings"]
