"""Ceilings: the database alone (pgbench) and a minimal app per framework (bench/baselines/).

pgbench runs ``bench/pgbench/items_get.sql`` (the query behind GET /items/{id})
in ``-M simple`` and ``-M prepared`` at the same client counts as wrk's
connections. The baselines are declared here like implementations, so the
ordinary ``arena.servers`` helpers start and stop them.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from arena.project import Implementation, root
from shared_db import embedded
from shared_db.urls import libpq_url

# Each implementation's baseline: same framework, same server names and the same server
# settings (event loop, HTTP parser, threads) as its [tool.arena], so that the ratio to
# the baseline is the application's cost, not a difference in how it is served.
BASELINES: dict[str, Implementation] = {
    "fastapi": Implementation(
        name="baseline-fastapi",
        port=0,
        app_module="fastapi_min",
        default_server="uvicorn",
        servers={
            "uvicorn": "uvicorn --factory fastapi_min:create_app --host {host} --port {port}"
            " --workers {workers} --loop uvloop --http httptools --no-access-log",
            "granian": "granian --interface asgi --factory --host {host} --port {port}"
            " --workers {workers} --loop uvloop --no-ws fastapi_min:create_app",
        },
    ),
    "flask": Implementation(
        name="baseline-flask",
        port=0,
        app_module="flask_min",
        default_server="gunicorn",
        servers={
            "gunicorn": "gunicorn --bind {host}:{port} --workers {workers} flask_min:create_app()",
            "granian": "granian --interface wsgi --factory --host {host} --port {port}"
            " --workers {workers} --blocking-threads 10 flask_min:create_app",
        },
    ),
    "drf": Implementation(
        name="baseline-django",
        port=0,
        app_module="django_min",
        default_server="gunicorn",
        servers={
            "gunicorn": "gunicorn --bind {host}:{port} --workers {workers} django_min:application",
            "granian": "granian --interface wsgi --host {host} --port {port}"
            " --workers {workers} --blocking-threads 8 django_min:application",
        },
    ),
}


def baselines_dir() -> str:
    return str(root() / "bench" / "baselines")


def baseline_env(env: dict[str, str]) -> dict[str, str]:
    """The servers' environment plus bench/baselines on the import path."""
    existing = env.get("PYTHONPATH")
    return {**env, "PYTHONPATH": baselines_dir() + (f":{existing}" if existing else "")}


@dataclass(frozen=True)
class PgbenchResult:
    mode: str
    clients: int
    tps: float
    latency_ms: float
    failed: int
    transactions: int


_TPS = re.compile(r"^tps = ([\d.]+) \(without initial connection time\)", re.M)
_LATENCY = re.compile(r"^latency average = ([\d.]+) ms", re.M)
_FAILED = re.compile(r"^number of failed transactions: (\d+)", re.M)
_DONE = re.compile(r"^number of transactions actually processed: (\d+)", re.M)


def parse_pgbench(output: str, mode: str, clients: int) -> PgbenchResult:
    tps = _TPS.search(output)
    if tps is None:
        raise RuntimeError(f"pgbench printed no tps line:\n{output[-1500:]}")
    latency = _LATENCY.search(output)
    failed = _FAILED.search(output)
    done = _DONE.search(output)
    return PgbenchResult(
        mode=mode,
        clients=clients,
        tps=float(tps.group(1)),
        latency_ms=float(latency.group(1)) if latency else 0.0,
        failed=int(failed.group(1)) if failed else 0,
        transactions=int(done.group(1)) if done else 0,
    )


def pgbench(
    url: str, *, mode: str, clients: int, duration_s: int, id_range: tuple[int, int]
) -> PgbenchResult:
    script = root() / "bench" / "pgbench" / "items_get.sql"
    argv = [
        str(embedded.bin_dir() / "pgbench"),
        "-n",
        f"-M{mode}",
        f"-c{clients}",
        "-j1",
        f"-T{duration_s}",
        "-f",
        str(script),
        "-D",
        f"lo={id_range[0]}",
        "-D",
        f"hi={id_range[1]}",
        libpq_url(url),
    ]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"pgbench exited {result.returncode}:\n{result.stderr[-1500:]}")
    return parse_pgbench(result.stdout, mode, clients)
