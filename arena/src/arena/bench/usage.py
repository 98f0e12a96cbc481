"""What a load costs the server: CPU seconds of its process tree and of PostgreSQL, and
how the load's connections and CPU spread over the server's workers (psutil).

``Meter`` brackets one wrk run. CPU is the user + system time each process accrued
between entering and leaving (a process born during the run counts from zero; one
that exits during it is lost, which the servers measured here do not do under
load). The load generator's CPU is what this process's reaped children spent
meanwhile (wrk, run and waited for inside the block). A thread counts, every
``every`` seconds, the established connections each process of the server holds on
the server's port: with keep-alive, wrk's connections stay with whichever worker
accepted them, so the split is part of what a throughput figure means.
"""

from __future__ import annotations

import resource
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import psutil


def tree(pid: int) -> list[psutil.Process]:
    """The process and its descendants (empty if it is gone)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    """user + system seconds per pid, for the processes still alive."""
    out = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        out[process.pid] = times.user + times.system
    return out


def established_on(process: psutil.Process, port: int) -> int:
    try:
        connections = process.net_connections(kind="tcp")
    except psutil.Error:
        return 0
    return sum(
        1
        for conn in connections
        if conn.status == psutil.CONN_ESTABLISHED and conn.laddr and conn.laddr.port == port
    )


def postmaster_pid(backend_pid: int) -> int | None:
    """The postmaster of a backend (``SELECT pg_backend_pid()``) when it runs on this host."""
    try:
        parent = psutil.Process(backend_pid).parent()
    except psutil.Error:
        return None
    # A remote server's backend pid may name any local process: only a postgres counts.
    if parent is None or "postgres" not in parent.name():
        return None
    return parent.pid


@dataclass(frozen=True)
class Worker:
    pid: int
    cpu_s: float
    connections: float
    """Mean established connections on the server's port over the samples."""


@dataclass(frozen=True)
class Usage:
    root_pid: int
    wall_s: float
    server_cpu_s: float
    postgres_cpu_s: float | None
    workers: list[Worker]
    samples: int
    generator_cpu_s: float | None = None
    """CPU of the children this process reaped meanwhile: the load generator's."""

    def to_json(self) -> dict[str, Any]:
        return {
            "wall_s": round(self.wall_s, 4),
            "server_cpu_s": round(self.server_cpu_s, 4),
            "postgres_cpu_s": None
            if self.postgres_cpu_s is None
            else round(self.postgres_cpu_s, 4),
            "samples": self.samples,
            "generator_cpu_s": None
            if self.generator_cpu_s is None
            else round(self.generator_cpu_s, 4),
            "workers": [
                {
                    "pid": w.pid,
                    "root": w.pid == self.root_pid,
                    "cpu_s": round(w.cpu_s, 4),
                    "connections": round(w.connections, 2),
                }
                for w in self.workers
            ],
        }


def _delta(before: dict[int, float], after: dict[int, float]) -> dict[int, float]:
    return {pid: max(0.0, value - before.get(pid, 0.0)) for pid, value in after.items()}


def serving(workers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The processes that served: a fork's parent and idle side processes are left out.

    A worker counts when it held a connection or spent at least 2 % of the tree's CPU;
    the root process only when it is the only one (a single-process server).
    """
    total = sum(float(w["cpu_s"]) for w in workers) or 1.0
    found = [w for w in workers if float(w["connections"]) > 0 or float(w["cpu_s"]) / total >= 0.02]
    children = [w for w in found if not w.get("root")]
    return children or found


class Meter:
    """``with Meter(server_pid, port, postgres_pid) as meter: run(); meter.usage``."""

    def __init__(
        self, server_pid: int, port: int, postgres_pid: int | None, every: float = 0.25
    ) -> None:
        self.server_pid, self.port, self.postgres_pid, self.every = (
            server_pid,
            port,
            postgres_pid,
            every,
        )
        self._stop = threading.Event()
        self._counts: dict[int, int] = {}
        self._samples = 0
        self.usage: Usage | None = None

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            for process in tree(self.server_pid):
                self._counts[process.pid] = self._counts.get(process.pid, 0) + established_on(
                    process, self.port
                )
            self._samples += 1

    def __enter__(self) -> Meter:
        self._server = tree(self.server_pid)
        self._postgres = tree(self.postgres_pid) if self.postgres_pid else []
        self._started = time.perf_counter()
        self._children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._server_before = cpu_seconds(self._server)
        self._postgres_before = cpu_seconds(self._postgres)
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        # Fresh lists: a worker forked during the run counts from zero.
        server = _delta(self._server_before, cpu_seconds(tree(self.server_pid)))
        postgres = (
            sum(_delta(self._postgres_before, cpu_seconds(tree(self.postgres_pid))).values())
            if self.postgres_pid
            else None
        )
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        generator = (children.ru_utime - self._children_before.ru_utime) + (
            children.ru_stime - self._children_before.ru_stime
        )
        samples = max(self._samples, 1)
        workers = [
            Worker(pid, cpu, self._counts.get(pid, 0) / samples)
            for pid, cpu in sorted(server.items())
        ]
        self.usage = Usage(
            root_pid=self.server_pid,
            wall_s=time.perf_counter() - self._started,
            server_cpu_s=sum(server.values()),
            postgres_cpu_s=postgres,
            workers=workers,
            samples=self._samples,
            generator_cpu_s=generator,
        )
