"""Open-loop latency at a fixed offered rate, with ``hey`` (Debian's package, rakyll/hey).

wrk is closed-loop: each connection sends its next request only when the last one
has answered, so a slow server is offered less work and its p99 looks better than
what clients arriving at a steady rate would see (coordinated omission).

hey's ``-q`` is a rate **per worker**, and each worker is itself closed-loop: it
waits for a tick of its own ticker, sends one request, waits for the answer, then
waits for the next tick (a tick missed while waiting is dropped). A worker keeps
its schedule only while every answer arrives within its interval ``1/q``; and all
workers of one hey process start their tickers together, so they send in bursts,
one request each, at every tick. Two consequences, both handled here:

- The offered rate ``R`` is spread over many workers, each ``INTERVAL_S`` apart, so
  that an answer almost always arrives before its worker's next tick: then the load
  is open-loop in effect. ``late`` counts the answers slower than the interval (that
  worker fell behind), and the achieved rate is measured, so a run where the
  schedule slipped says so instead of passing for an open-loop figure.
- The workers are split over ``PROCESSES`` hey processes started ``1/(q * PROCESSES)``
  apart, so the bursts are a few requests each, evenly spaced. ``burst`` records the
  most requests that started within one millisecond, to show how smooth it was.

With ``-o csv`` hey prints one line per answered request (response time in
seconds, status, start offset); requests that failed at the socket are not
printed, so they show as a shortfall of the achieved rate against the offered one.
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import io
import math
import resource
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass
from typing import Any

INTERVAL_S = 0.1
PROCESSES = 16
MAX_WORKERS = 512
INSTALL_HINT = "hey is not installed; `make bench-tools` installs it (Debian: apt-get install hey)"


class HeyFailed(RuntimeError):
    """hey exited with an error or printed nothing parseable."""


@dataclass(frozen=True)
class Plan:
    rate: float
    """The offered rate, requests per second, over all workers of all processes."""
    processes: int
    workers: int
    """Workers per process."""
    per_worker_qps: float

    @property
    def interval_s(self) -> float:
        return 1.0 / self.per_worker_qps

    @property
    def stagger_s(self) -> float:
        """How far apart the processes start, so that their ticks interleave."""
        return self.interval_s / self.processes


def plan(rate: float, interval_s: float = INTERVAL_S, processes: int = PROCESSES) -> Plan:
    """Processes, workers and per-worker rate that offer ``rate`` requests/s.

    Each worker sends every ``interval_s``; at a high rate the worker cap wins and the
    interval shrinks. A low rate uses fewer processes (at least one worker each).
    """
    rate = max(rate, 1.0)
    total = min(MAX_WORKERS, max(1, math.ceil(rate * interval_s)))
    processes = max(1, min(processes, total))
    per_process = math.ceil(total / processes)
    return Plan(
        rate=rate,
        processes=processes,
        workers=per_process,
        per_worker_qps=rate / (per_process * processes),
    )


def find_hey() -> str | None:
    return shutil.which("hey")


def version(hey: str) -> str:
    """hey prints no version; the Debian package knows it."""
    done = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", "hey"],
        capture_output=True,
        text=True,
        check=False,
    )
    return f"hey {done.stdout.strip()}" if done.returncode == 0 and done.stdout else "hey"


def command(
    hey: str,
    url: str,
    chosen: Plan,
    *,
    duration_s: float,
    headers: dict[str, str] | None = None,
    timeout_s: int = 5,
    prefix: list[str] | None = None,
) -> list[str]:
    """One hey process of the plan (the harness starts ``chosen.processes`` of them)."""
    argv = [
        *(prefix or []),
        hey,
        "-z",
        f"{max(1, round(duration_s))}s",
        "-c",
        str(chosen.workers),
        "-q",
        f"{chosen.per_worker_qps:.4f}",
        "-t",
        str(timeout_s),
        "-o",
        "csv",
    ]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    return [*argv, url]


def _percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def largest_burst(starts: list[float], window_s: float = 0.001) -> int:
    """The most request starts within any ``window_s`` (starts sorted, seconds)."""
    best = 0
    for index, start in enumerate(starts):
        best = max(best, bisect.bisect_right(starts, start + window_s) - index)
    return best


@dataclass(frozen=True)
class OpenLoopResult:
    offered_rps: float
    achieved_rps: float
    requests: int
    duration_s: float
    latency_ms: dict[str, float]
    statuses: dict[str, int]
    error_count: int
    """Answers with a status of 400 or more (socket failures show as a shortfall)."""
    late: int
    """Answers slower than a worker's interval: that worker's schedule slipped."""
    burst: int
    """The most requests started within one millisecond."""
    generator_cpu_s: float | None = None
    """CPU seconds the hey processes spent: on a small machine they compete with the server."""

    @property
    def held_rate(self) -> bool:
        """Whether the generator offered (within 5 %) the rate it was asked for."""
        return self.achieved_rps >= 0.95 * self.offered_rps

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "held_rate": self.held_rate}


def _rows(output: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(output)))
    if rows and "response-time" not in rows[0]:
        raise HeyFailed(f"hey printed no CSV:\n{output.strip()[-1500:]}")
    return rows


def parse(outputs: list[tuple[float, str]], chosen: Plan, duration_s: float) -> OpenLoopResult:
    """Combine the CSV of every process; each comes with its start offset in seconds."""
    rows = [(shift, row) for shift, output in outputs for row in _rows(output)]
    if not rows:
        raise HeyFailed("hey answered no request")
    latencies = sorted(float(row["response-time"]) * 1000 for _, row in rows)
    starts = sorted(shift + float(row["offset"]) for shift, row in rows)
    statuses: dict[str, int] = {}
    for _, row in rows:
        statuses[row["status-code"]] = statuses.get(row["status-code"], 0) + 1
    interval_ms = chosen.interval_s * 1000
    failed = sum(n for code, n in statuses.items() if not code.isdigit() or int(code) >= 400)
    return OpenLoopResult(
        offered_rps=chosen.rate,
        achieved_rps=len(rows) / duration_s,
        requests=len(rows),
        duration_s=duration_s,
        latency_ms={
            "p50": _percentile(latencies, 0.50),
            "p90": _percentile(latencies, 0.90),
            "p99": _percentile(latencies, 0.99),
            "max": latencies[-1],
            "mean": sum(latencies) / len(latencies),
        },
        statuses=dict(sorted(statuses.items())),
        error_count=failed,
        late=sum(1 for value in latencies if value > interval_ms),
        burst=largest_burst(starts),
    )


def run(
    hey: str,
    url: str,
    chosen: Plan,
    *,
    duration_s: float,
    headers: dict[str, str] | None = None,
    prefix: list[str] | None = None,
) -> OpenLoopResult:
    """Start the plan's hey processes, staggered, and combine what they measured."""
    argv = command(hey, url, chosen, duration_s=duration_s, headers=headers, prefix=prefix)
    # Children reaped meanwhile are only these hey processes (nothing else runs then).
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started: list[tuple[float, subprocess.Popen[str]]] = []
    origin = time.perf_counter()
    try:
        for index in range(chosen.processes):
            delay = origin + index * chosen.stagger_s - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            process = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            started.append((time.perf_counter() - origin, process))
        outputs = []
        for shift, process in started:
            out, err = process.communicate(timeout=duration_s + 60)
            if process.returncode != 0:
                raise HeyFailed(f"hey exited {process.returncode}: {(out + err)[-1500:]}")
            outputs.append((shift, out))
    finally:
        for _, process in started:
            if process.poll() is None:
                process.kill()
                process.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return dataclasses.replace(parse(outputs, chosen, duration_s), generator_cpu_s=spent)
