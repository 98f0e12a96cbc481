"""Flamegraphs of a server worker under load, recorded with py-spy (``arena bench --profile``).

py-spy reads another process's memory, so it needs ptrace rights over the worker:
root has them; otherwise Linux's Yama setting ``kernel.yama.ptrace_scope`` must be
0 (or py-spy given ``CAP_SYS_PTRACE``), and containers often drop that capability.
A profile that cannot be taken is recorded with py-spy's own reason; the rest of
the run goes on.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from arena.bench import usage, wrk

RATE_HZ = 100


class ProfileFailed(RuntimeError):
    """py-spy could not record; the message is its own reason."""


def py_spy() -> Path:
    """py-spy from this virtualenv (a dependency of arena)."""
    return Path(sys.executable).parent / "py-spy"


def ptrace_note() -> str | None:
    """Why profiles will probably fail here, or None when nothing stands in the way."""
    if os.geteuid() == 0:
        return None
    scope = Path("/proc/sys/kernel/yama/ptrace_scope")
    try:
        value = scope.read_text().strip()
    except OSError:
        return None
    if value != "0":
        return (
            f"kernel.yama.ptrace_scope is {value}: py-spy may attach only as root "
            "(or with CAP_SYS_PTRACE)"
        )
    return None


def command(pid: int, out: Path, duration_s: int, rate_hz: int = RATE_HZ) -> list[str]:
    return [
        str(py_spy()),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(duration_s),
        "--rate",
        str(rate_hz),
        "--format",
        "flamegraph",
        "--output",
        str(out),
    ]


def record(pid: int, out: Path, duration_s: int) -> None:
    """Sample ``pid`` for ``duration_s`` seconds into the flamegraph SVG ``out``."""
    if not py_spy().exists():
        raise ProfileFailed(f"py-spy is not installed ({py_spy()}); run `make sync`")
    out.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        command(pid, out, duration_s),
        capture_output=True,
        text=True,
        timeout=duration_s + 60,
        check=False,
    )
    if done.returncode != 0 or not out.exists():
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise ProfileFailed(reason[-1] if reason else f"py-spy exited {done.returncode}")


def busiest_worker(pid: int, window_s: float = 0.5) -> int:
    """The process under ``pid`` (the server) that spent the most CPU over ``window_s``."""
    processes = usage.tree(pid)
    before = usage.cpu_seconds(processes)
    time.sleep(window_s)
    after = usage.cpu_seconds(processes)
    spent = {p: after[p] - before.get(p, 0.0) for p in after}
    workers = {p: v for p, v in spent.items() if p != pid} or spent
    return max(workers, key=lambda p: workers[p]) if workers else pid


def record_under_load(
    pid: int, load: list[str], out: Path, duration_s: int
) -> tuple[str | None, str | None]:
    """Profile the busiest worker of server ``pid`` into ``out`` while wrk ``load`` runs.

    Returns why the profile failed and why the load failed, each None when it did not;
    the load runs to its end either way, so the next measurement starts on a quiet server.
    """
    running = wrk.start(load)
    profile_error = load_error = None
    try:
        record(busiest_worker(pid), out, duration_s)
    except (ProfileFailed, OSError) as exc:
        profile_error = str(exc)
    finally:
        try:
            wrk.collect(running)
        except wrk.WrkFailed as exc:
            load_error = str(exc)
    return profile_error, load_error
