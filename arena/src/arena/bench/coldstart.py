"""Cold start: process spawn to the first 200 on /health; and the app module's import time.

Import time is measured as wall time of ``python -c "import MODULE"`` in a fresh
process minus the median wall time of ``python -c pass`` (the interpreter's own
start-up), both repeated and interleaved.
"""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import psutil

from arena import servers
from arena.project import Implementation, ProjectError

POLL_SECONDS = 0.005


def time_to_first_ok(
    impl: Implementation,
    env: dict[str, str],
    *,
    server: str,
    port: int,
    workers: int,
    label: str,
    timeout: float = 60.0,
) -> float:
    """Spawn, poll /health every 5 ms until 200, stop; return the seconds to the first 200."""
    started = time.perf_counter()
    running = servers.spawn(impl, env, label=label, port=port, server=server, workers=workers)
    try:
        deadline = started + timeout
        with httpx.Client(timeout=2.0) as client:
            while time.perf_counter() < deadline:
                try:
                    if client.get(f"{running.url}/health").status_code == 200:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                if not psutil.pid_exists(running.pid):
                    break
                time.sleep(POLL_SECONDS)
        raise ProjectError(
            f"{label} gave no 200 on /health within {timeout:.0f} s; see {running.log}"
        )
    finally:
        servers.stop(running)
        _wait_port_free(port)


def _wait_port_free(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while servers.port_in_use(port) and time.monotonic() < deadline:
        time.sleep(0.05)


def time_python(code: str, env: dict[str, str]) -> float:
    """Wall seconds of ``python -c CODE`` in a fresh interpreter."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return time.perf_counter() - started
