"""The environment a run measured: without it a figure means nothing."""

from __future__ import annotations

import importlib.metadata as metadata
import os
import platform
import shutil
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psutil

from arena.bench import tools, tree
from arena.project import root

PACKAGES = (
    "fastapi", "starlette", "pydantic", "uvicorn", "granian", "sqlalchemy", "psycopg",
    "flask", "flask-smorest", "marshmallow", "flask-jwt-extended", "gunicorn",
    "django", "djangorestframework", "drf-spectacular", "pyjwt", "argon2-cffi",
)  # fmt: skip


def _cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo").read().splitlines():  # noqa: SIM115 (tiny read)
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


# Below this many cores, a core of its own for the load generator would leave the
# servers and PostgreSQL too little to measure anything.
PIN_MIN_CORES = 4


@dataclass(frozen=True)
class Pinning:
    """Which CPUs the load generator (wrk, hey) runs on, and which everything else does."""

    generator: tuple[int, ...]
    others: tuple[int, ...]
    reason: str = ""

    @property
    def active(self) -> bool:
        return bool(self.generator)

    def prefix(self) -> list[str]:
        """The command prefix that keeps a load generator on its own CPU."""
        if not self.active:
            return []
        return ["taskset", "-c", ",".join(map(str, self.generator))]

    def describe(self) -> str:
        if not self.active:
            return self.reason
        return (
            f"load generator (wrk, hey) pinned to CPU {','.join(map(str, self.generator))} "
            f"with taskset; servers and PostgreSQL to CPUs "
            f"{','.join(map(str, self.others))}"
        )

    def confine(self, pid: int) -> None:
        """Keep a process tree (a server, PostgreSQL) off the load generator's CPU."""
        if not self.active:
            return
        try:
            processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
        except psutil.Error:
            return
        for process in processes:
            try:
                process.cpu_affinity(list(self.others))
            except (psutil.Error, OSError, AttributeError):
                continue


def pinning(cpus: list[int] | None = None, taskset: bool | None = None) -> Pinning:
    """The last CPU for the load generator when there are enough cores and taskset exists."""
    if cpus is None:
        try:
            cpus = sorted(psutil.Process().cpu_affinity() or [])
        except (AttributeError, psutil.Error):
            cpus = list(range(os.cpu_count() or 1))
    if taskset is None:
        taskset = shutil.which("taskset") is not None
    if len(cpus) < PIN_MIN_CORES:
        return Pinning((), tuple(cpus), f"not pinned ({len(cpus)} cores)")
    if not taskset:
        return Pinning((), tuple(cpus), "not pinned (no taskset on this machine)")
    return Pinning((cpus[-1],), tuple(cpus[:-1]))


def collect(postgres: str, wrk_version: str, database: str) -> dict[str, Any]:
    checkout = tree.state(root())
    soft, hard = tools.open_files_limit()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "packages": {name: v for name in PACKAGES if (v := _version(name))},
        "postgresql": postgres,
        "database": database,
        "wrk": wrk_version,
        "git_commit": checkout.commit or "unknown",
        "git_dirty": checkout.dirty,
        "open_files_limit": {"soft": soft, "hard": hard},
        "load_average_start": list(os.getloadavg()),
    }
