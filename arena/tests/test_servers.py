import sys
from pathlib import Path

from arena import servers
from shared_db import Settings


def test_programs_resolve_inside_this_virtualenv():
    assert servers.argv("python -m x")[0] == sys.executable
    resolved = servers.argv("pytest --version")[0]
    assert Path(resolved).parent == Path(sys.executable).parent


def test_servers_receive_exactly_the_shared_settings():
    settings = Settings(database_url=None, jwt_secret="k" * 40, jwt_ttl_seconds=10, db_pool_size=3)
    env = servers.server_env(settings, "postgresql://db/app")
    assert env["DATABASE_URL"] == "postgresql://db/app"
    assert env["JWT_SECRET"] == "k" * 40
    assert (env["JWT_TTL_SECONDS"], env["DB_POOL_SIZE"]) == ("10", "3")
