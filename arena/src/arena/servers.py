"""Start, find and stop implementation servers running in the background.

Each running server leaves a small JSON record in ``.arena/run/`` (pid, url,
server) and writes its output to ``.arena/logs/``; that is all ``status`` and
``down`` need.

A server is its whole process group, not its first process: every server starts in
a session of its own, and its workers share that group. A server's master can die
while its workers keep serving (uvicorn's and granian's workers do not notice;
gunicorn's do), so a server counts as running while any process of its group is
alive, and stopping it signals the group and waits until none is left.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import psutil

from arena.project import Implementation, ProjectError, root, state_dir
from shared_db import Settings

HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Running:
    name: str
    pid: int
    """The first process; also the id of the server's process group and session."""
    url: str
    server: str
    log: str
    started_at: float = 0.0
    """The first process's start time (psutil), telling it apart from a reused pid."""


def _run_dir() -> Path:
    path = state_dir() / "run"
    path.mkdir(exist_ok=True)
    return path


def log_path(name: str) -> Path:
    path = state_dir() / "logs"
    path.mkdir(exist_ok=True)
    return path / f"{name}.log"


def server_env(settings: Settings, database_url: str) -> dict[str, str]:
    """The environment every implementation receives: the shared settings, nothing else."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        JWT_SECRET=settings.jwt_secret.get_secret_value(),
        JWT_TTL_SECONDS=str(settings.jwt_ttl_seconds),
        DB_POOL_SIZE=str(settings.db_pool_size),
        PYTHONUNBUFFERED="1",
    )
    return env


def argv(command: str) -> list[str]:
    """Split a declared command; resolve its program in this virtualenv first."""
    parts = shlex.split(command)
    bindir = Path(sys.executable).parent
    if parts[0] == "python":
        parts[0] = sys.executable
    elif (bindir / parts[0]).exists():
        parts[0] = str(bindir / parts[0])
    return parts


def run_setup(impl: Implementation, env: dict[str, str]) -> None:
    _run_steps(impl, impl.setup, env, "setup")


def run_demo_setup(impl: Implementation, env: dict[str, str]) -> list[str]:
    """The demo-only steps (``demo_setup``); the lines they printed, for the demo to show."""
    return _run_steps(impl, impl.demo_setup, env, "demo set-up")


def _run_steps(impl: Implementation, steps: list[str], env: dict[str, str], kind: str) -> list[str]:
    printed: list[str] = []
    for command in steps:
        result = subprocess.run(argv(command), env=env, cwd=root(), capture_output=True, text=True)
        if result.returncode != 0:
            raise ProjectError(
                f"{impl.name}: {kind} step `{command}` failed (exit {result.returncode}):\n"
                f"{(result.stdout + result.stderr).strip()[-2000:]}"
            )
        printed += [line for line in result.stdout.splitlines() if line.strip()]
    return printed


def spawn(
    impl: Implementation,
    env: dict[str, str],
    *,
    label: str | None = None,
    port: int | None = None,
    server: str | None = None,
    workers: int = 2,
) -> Running:
    """Start a server in its own session (so ``down`` can stop its whole process group)."""
    name = label or impl.name
    port = port or impl.port
    if existing := find(name):
        # A second record under the same name would orphan the first server.
        raise ProjectError(
            f"{name} is already running (pid {existing.pid}, {existing.url}); "
            "stop it first (`arena down`)"
        )
    if port_in_use(port):
        raise ProjectError(
            f"port {port} is already in use; stop what uses it or pass --port (for {name})"
        )
    command = impl.server_command(server, HOST, port, workers)
    log = log_path(name)
    with log.open("w") as out:
        process = subprocess.Popen(
            argv(command),
            env=env,
            cwd=root(),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    running = Running(
        name=name,
        pid=process.pid,
        url=f"http://{HOST}:{port}",
        server=server or impl.default_server,
        log=str(log.relative_to(root())),
        started_at=_start_time(process.pid),
    )
    (_run_dir() / f"{name}.json").write_text(json.dumps(asdict(running)))
    return running


def wait_ready(
    running: Running, timeout: float = READY_TIMEOUT_SECONDS, expect: int = 200
) -> float:
    """Poll ``/health`` until it answers ``expect``; return the seconds it took."""
    started = time.monotonic()
    deadline = started + timeout
    # Generous per request: a server without its database may take its pool timeout to say 503.
    with httpx.Client(timeout=10.0) as client:
        while time.monotonic() < deadline:
            if not psutil.pid_exists(running.pid) or _is_zombie(running.pid):
                raise ProjectError(
                    f"{running.name} exited during start-up; see {running.log}:\n{_tail(running)}"
                )
            try:
                if client.get(f"{running.url}/health").status_code == expect:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    raise ProjectError(
        f"{running.name} did not answer {expect} on {running.url}/health within {timeout:.0f} s;"
        f" see {running.log}:\n{_tail(running)}"
    )


def find(name: str) -> Running | None:
    """The server recorded as ``name`` while any process of its group lives, else None."""
    record = _run_dir() / f"{name}.json"
    if not record.exists():
        return None
    running = Running(**json.loads(record.read_text()))
    if _is_ours(running) and group_members(running.pid):
        return running
    record.unlink(missing_ok=True)
    return None


def all_running() -> list[Running]:
    names = sorted(path.stem for path in _run_dir().glob("*.json"))
    return [running for name in names if (running := find(name))]


def group_members(pgid: int) -> list[int]:
    """The pids of the live (not zombie) processes in process group ``pgid``."""
    members = []
    for process in psutil.process_iter(["status"]):
        if process.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        try:
            if os.getpgid(process.pid) == pgid:
                members.append(process.pid)
        except OSError:
            continue  # gone since the listing, or not ours to ask about
    return members


def stop(running: Running, timeout: float = 10.0) -> None:
    """SIGTERM the server's process group; SIGKILL whatever is left of it after ``timeout``."""
    if _is_ours(running):
        _signal_group(running.pid, signal.SIGTERM)
        if not _wait_group_gone(running.pid, timeout):
            _signal_group(running.pid, signal.SIGKILL)
            _wait_group_gone(running.pid, timeout)
    (_run_dir() / f"{running.name}.json").unlink(missing_ok=True)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _wait_group_gone(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while group_members(pgid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def _start_time(pid: int) -> float:
    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return 0.0


def _is_ours(running: Running) -> bool:
    """False when the recorded pid now belongs to another process.

    While any process is in a group, no new process can get the group's id as its pid;
    so a live process at ``running.pid`` that started at another time means that the
    server's group is gone and the number was reused.
    """
    if not running.started_at or not psutil.pid_exists(running.pid):
        return True
    started = _start_time(running.pid)
    return not started or abs(started - running.started_at) < 0.5


def port_in_use(port: int) -> bool:
    return any(
        conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN
        for conn in psutil.net_connections(kind="tcp")
    )


def _is_zombie(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def _tail(running: Running, lines: int = 20) -> str:
    path = root() / running.log
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
