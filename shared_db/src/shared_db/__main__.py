"""``python -m shared_db``: migrate DATABASE_URL to the head revision (used by containers)."""

from shared_db import Settings, migrate

if __name__ == "__main__":
    migrate.upgrade(Settings().require_database_url())
    print("database migrated to head")
