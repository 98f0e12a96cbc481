"""The embedded Postgres started by several processes at once, on an empty directory.

``arena serve fastapi & arena serve flask & arena serve drf`` on a fresh checkout:
each process initialises, configures and starts the server, and without the lock one
of them failed (an ``AssertionError`` from the package, a ``pg_ctl stop`` of a server
another had just stopped, a connection cut by another's restart).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest

from shared_db import embedded

# More starters than the three servers, so a late one meets a restart in progress.
STARTERS = 4
# They take turns at a first start (initdb, start, configure, restart: seconds each).
WAIT_SECONDS = 120

# One starter: a fresh interpreter, like each `arena serve`. It says "ready" once its
# imports are done and waits for a line on stdin, so the starts themselves race.
_STARTER = """
import sys
from pathlib import Path

import psycopg

from shared_db import embedded

print("ready", flush=True)
sys.stdin.readline()
url = embedded.ensure_running(Path(sys.argv[1]))
with psycopg.connect(url, connect_timeout=5) as conn:
    assert conn.execute("SELECT 1").fetchone() == (1,)
print(url, flush=True)
"""
_STOPPER = (
    "import sys, pathlib; from shared_db import embedded; embedded.stop(pathlib.Path(sys.argv[1]))"
)


def _postmasters(pgdata: Path) -> list[psutil.Process]:
    # The postmaster keeps ``-D PGDATA`` on its command line; so does a child for the
    # moment between its fork and renaming itself, hence "not a child of another".
    servers = [
        proc
        for proc in psutil.process_iter(["name", "cmdline", "ppid"])
        if proc.info["name"] == "postgres" and str(pgdata) in (proc.info["cmdline"] or [])
    ]
    pids = {proc.pid for proc in servers}
    return [proc for proc in servers if proc.info["ppid"] not in pids]


@pytest.fixture
def pgdata(tmp_path: Path) -> Iterator[Path]:
    path = (tmp_path / "pg").resolve()
    yield path
    embedded.stop(path)
    assert not _postmasters(path), "the test's server is still running"


def test_concurrent_first_starts_share_one_server(pgdata: Path) -> None:
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", _STARTER, str(pgdata)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(STARTERS)
    ]
    try:
        for starter in starters:
            assert starter.stdout is not None
            assert starter.stdout.readline().strip() == "ready"
        for starter in starters:
            assert starter.stdin is not None
            starter.stdin.write("go\n")
            starter.stdin.flush()
        outcomes = [starter.communicate(timeout=WAIT_SECONDS) for starter in starters]
    finally:
        for starter in starters:
            if starter.poll() is None:
                starter.kill()
                starter.wait()

    failures = [
        err for starter, (_, err) in zip(starters, outcomes, strict=True) if starter.returncode
    ]
    assert not failures, f"{len(failures)} of {STARTERS} starts failed:\n" + "\n".join(failures)
    urls = {out.strip() for out, _ in outcomes}
    assert len(urls) == 1, f"the starters were given different URLs: {urls}"
    assert len(_postmasters(pgdata)) == 1, "one server for the data directory"
    # This process, which started nothing, reaches the same configured server.
    assert embedded.is_running(pgdata)
    with psycopg.connect(embedded.ensure_running(pgdata), connect_timeout=5) as conn:
        assert conn.execute("SHOW max_connections").fetchone() == ("500",)


def test_a_start_after_another_process_stopped_the_server_is_real(pgdata: Path) -> None:
    url = embedded.ensure_running(pgdata)
    subprocess.run([sys.executable, "-c", _STOPPER, str(pgdata)], check=True, timeout=WAIT_SECONDS)
    assert not embedded.is_running(pgdata)
    # This process still holds the package's handle from before the other's stop: the
    # start must start the server, not return the handle of one that is gone.
    assert embedded.ensure_running(pgdata) == url
    with psycopg.connect(url, connect_timeout=5) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
