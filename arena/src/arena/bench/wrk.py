"""wrk: find it, run a Lua scenario script, and parse the JSON line its ``done()`` prints.

Every script in ``bench/wrk/`` uses ``common.lua``, whose ``done(summary, latency,
requests)`` writes one line ``ARENA_WRK {...}``; parsing that line is robust where
wrk's human-readable table is not. wrk counts an HTTP status of 400 or more as a
``status`` error; socket errors and timeouts are counted separately.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from arena.project import ProjectError, root

MARKER = "ARENA_WRK "
INSTALL_HINT = (
    "wrk is not installed. `make bench-tools` installs it (apt-get as root, Homebrew on "
    "macOS) or prints the command to run; then run the benchmark again."
)


class WrkMissing(ProjectError):
    """wrk is not on PATH; the message says how to install it."""


class WrkFailed(ProjectError):
    """wrk ran but printed no result line."""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_s: float
    bytes: int
    errors: dict[str, int]
    latency_ms: dict[str, float]
    statuses: dict[str, int] = field(default_factory=dict)
    """Answers per HTTP status, from scripts that count them (empty otherwise)."""

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "rps": self.rps, "error_count": self.error_count}


def find_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkMissing(INSTALL_HINT)
    return path


def version(wrk: str) -> str:
    result = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    first = (result.stdout + result.stderr).strip().splitlines()
    return first[0] if first else "unknown"


def scripts_dir() -> Path:
    return root() / "bench" / "wrk"


def parse(output: str) -> WrkResult:
    """Parse wrk's output; the last ``ARENA_WRK`` line wins."""
    lines = [line for line in output.splitlines() if line.startswith(MARKER)]
    if not lines:
        raise WrkFailed(f"wrk printed no {MARKER.strip()} line:\n{output.strip()[-1500:]}")
    data = json.loads(lines[-1][len(MARKER) :])
    latency_us = data["latency_us"]
    return WrkResult(
        requests=int(data["requests"]),
        duration_s=int(data["duration_us"]) / 1e6,
        bytes=int(data["bytes"]),
        errors={key: int(value) for key, value in data["errors"].items()},
        latency_ms={key: float(value) / 1000 for key, value in latency_us.items()},
        statuses={str(key): int(value) for key, value in data.get("statuses", {}).items()},
    )


def command(
    wrk: str,
    url: str,
    script: str,
    *,
    connections: int,
    duration_s: float,
    threads: int = 1,
    timeout_s: int = 5,
    script_args: list[str] | None = None,
    prefix: list[str] | None = None,
) -> list[str]:
    """wrk's command line; ``prefix`` pins it to a CPU (``taskset -c N``) when given."""
    threads = max(1, min(threads, connections))
    argv = [
        *(prefix or []),
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
        f"--timeout={timeout_s}s",
        "-s",
        script,
        url,
    ]
    if script_args:
        argv += ["--", *script_args]
    return argv


def run(argv: list[str]) -> WrkResult:
    # The scripts `require("common")`, which Lua resolves from the working directory.
    result = subprocess.run(
        argv, cwd=scripts_dir(), capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0:
        raise WrkFailed(
            f"wrk exited {result.returncode}: {(result.stdout + result.stderr)[-1500:]}"
        )
    return parse(result.stdout)


def start(argv: list[str]) -> subprocess.Popen[str]:
    """Run wrk in the background (for two loads at once); finish with ``collect``."""
    return subprocess.Popen(
        argv, cwd=scripts_dir(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def collect(process: subprocess.Popen[str]) -> WrkResult:
    output, _ = process.communicate(timeout=600)
    return parse(output)
