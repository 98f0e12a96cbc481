"""The environment a run measured: without it a figure means nothing."""

from __future__ import annotations

import importlib.metadata as metadata
import os
import platform
import sys
from datetime import UTC, datetime
from typing import Any

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
