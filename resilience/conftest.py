"""Fixtures for the resilience tests: private databases and servers on private ports.

These tests control servers and databases, so they are not part of the black-box
contract run (``make test``); ``make test-resilience`` runs them. Every server is
started from its implementation's ``[tool.arena]`` declaration through the
``arena`` helpers (no per-framework code here), and every database is an embedded
PostgreSQL in a temporary directory, so stopping one disturbs nothing else.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from arena import servers
from arena.project import IMPLEMENTATIONS, implementation, state_dir
from shared_db import Settings, embedded
from shared_db.migrate import upgrade

# Ports for the servers these tests start: RESILIENCE_PORTS=FIRST-LAST.
PORTS_ENV = "RESILIENCE_PORTS"
DEFAULT_PORTS = "18141-18199"


def pytest_configure(config: pytest.Config) -> None:
    # arena.servers.spawn detaches each server from its Popen handle on purpose (stop()
    # ends the whole process group), so the handle is collected while the server runs.
    config.addinivalue_line(
        "filterwarnings", r"ignore:subprocess \d+ is still running:ResourceWarning"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "impl_name" in metafunc.fixturenames:
        metafunc.parametrize("impl_name", IMPLEMENTATIONS, scope="module")


def _port_range() -> range:
    first, _, last = os.environ.get(PORTS_ENV, DEFAULT_PORTS).partition("-")
    return range(int(first), int(last or first) + 1)


def free_port() -> int:
    for port in _port_range():
        if not servers.port_in_use(port):
            return port
    raise RuntimeError(f"no free port in {PORTS_ENV}={os.environ.get(PORTS_ENV, DEFAULT_PORTS)}")


class Database:
    """An embedded PostgreSQL of its own, migrated, that a test may stop and start."""

    def __init__(self) -> None:
        # Short, because the Unix socket lives in the data directory.
        self.root = Path(tempfile.mkdtemp(prefix="arena-res-", dir="/tmp"))
        self.pgdata = self.root / "pg"
        self.url = embedded.ensure_running(self.pgdata)
        upgrade(self.url)

    def stop(self) -> None:
        embedded.stop(self.pgdata)

    def start(self) -> None:
        embedded.ensure_running(self.pgdata)

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """Every process of this server stopped (SIGSTOP) for the block, then resumed.

        The server is alive to the kernel but answers nothing, like a paused VM or
        container or a process stuck in the kernel: open connections stay open, and
        new ones are accepted into the listen backlog and then hear nothing. No
        connection is closed, so a client learns of it only from its own timeouts.
        """
        pid = int((self.pgdata / "postmaster.pid").read_text().split()[0])
        postmaster = psutil.Process(pid)
        postmaster.suspend()  # first, so that it forks no backend the list would miss
        processes = [postmaster, *postmaster.children(recursive=True)]
        for process in processes[1:]:
            process.suspend()
        try:
            yield
        finally:
            for process in processes:
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.resume()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def database() -> Iterator[Database]:
    db = Database()
    try:
        yield db
    finally:
        db.close()


@contextmanager
def _serve(
    impl_name: str, database_url: str, *, pool_size: int | None = None, workers: int = 2
) -> Iterator[str]:
    """Run ``impl_name``'s default server on a free port; yield its base URL."""
    impl = implementation(impl_name)
    base = Settings()
    settings = Settings(
        database_url=database_url,
        jwt_secret=base.jwt_secret,
        jwt_ttl_seconds=base.jwt_ttl_seconds,
        db_pool_size=pool_size or base.db_pool_size,
    )
    env = servers.server_env(settings, database_url)
    servers.run_setup(impl, env)
    running = servers.spawn(
        impl, env, label=f"resilience-{impl_name}", port=free_port(), workers=workers
    )
    try:
        servers.wait_ready(running)
        yield running.url
    finally:
        servers.stop(running)


@dataclass
class Api:
    """A client with a registered user, for the tests' requests."""

    client: httpx.Client
    headers: dict[str, str] = field(default_factory=dict)
    user_id: int = 0

    @classmethod
    def register(cls, base_url: str, username: str, timeout: float = 30.0) -> Api:
        client = httpx.Client(base_url=base_url, timeout=timeout)
        credentials = {"username": username, "password": "resilience-pw"}
        user = client.post("/auth/register", json=credentials)
        assert user.status_code == 201, user.text
        token = client.post("/auth/token", json=credentials)
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        return cls(client, headers, user.json()["id"])


@pytest.fixture(scope="session")
def serve() -> Callable[..., AbstractContextManager[str]]:
    """``with serve(impl_name, database_url, pool_size=2) as base_url: ...``"""
    return _serve


@pytest.fixture
def register() -> Iterator[Callable[[str, str], Api]]:
    """``register(base_url, username)``: a client logged in as a new user (closed after)."""
    made: list[Api] = []

    def _register(base_url: str, username: str) -> Api:
        made.append(Api.register(base_url, username))
        return made[-1]

    yield _register
    for api in made:
        api.client.close()


# --- what the tests measured, printed at the end and kept in .arena/results/ ---------------

MEASUREMENTS: dict[str, dict[str, Any]] = {}


@pytest.fixture
def record(request: pytest.FixtureRequest) -> Callable[..., None]:
    """``record(impl_name, key=value, ...)``: a measurement for the end-of-run summary."""

    def _record(impl_name: str, **values: Any) -> None:
        MEASUREMENTS.setdefault(request.node.originalname, {})[impl_name] = values

    return _record


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not MEASUREMENTS:
        return
    terminalreporter.section("resilience measurements")
    for test, per_impl in MEASUREMENTS.items():
        for impl_name, values in per_impl.items():
            shown = ", ".join(f"{k}={v}" for k, v in values.items())
            terminalreporter.write_line(f"{test} [{impl_name}]: {shown}")
    path = state_dir() / "results" / "resilience.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(MEASUREMENTS, indent=2, sort_keys=True) + "\n")
    terminalreporter.write_line(f"(also in {path})")
