"""Resident memory of a server's process tree (psutil), per process."""

from __future__ import annotations

import psutil


def rss_mb(pid: int) -> dict[str, float | list[float]]:
    """RSS in MiB of the root process, of each worker (its descendants), and the total.

    Servers that fork workers (gunicorn, uvicorn --workers, granian) serve from the
    descendants; a single-process server serves from the root, which is then its worker.
    """
    try:
        root = psutil.Process(pid)
        children = root.children(recursive=True)
        root_rss = root.memory_info().rss / 2**20
    except psutil.NoSuchProcess:
        return {"root": 0.0, "workers": [], "total": 0.0}
    workers = []
    for child in children:
        try:
            workers.append(child.memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            continue
    total = root_rss + sum(workers)
    return {"root": root_rss, "workers": sorted(workers) or [root_rss], "total": total}
