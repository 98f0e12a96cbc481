"""Workload families of ``arena bench``: one module each, found by looking, never listed.

A workload module defines ``WORKLOAD``, an object with the ``Workload`` interface:
what it verifies on a target before timing, how it measures (given the run's
``Context``: the servers already started, the token, the database), and what its
report section shows. Its measurements are ``results["workloads"][name]``, in a
shape it documents itself; its section is the template
``templates/workloads/<name>.md.j2``, rendered with the variables its ``context``
returns, and its charts are files it draws beside the report.

Adding a workload (the fan-out and the streaming workloads are the next) is adding
a module here and its template: the runner, the report and the results file do not
change. ``registered()`` returns them in their ``order``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from arena.bench.config import BenchConfig
from arena.bench.environment import Pinning
from arena.bench.scenarios import Fixtures
from arena.bench.targets import Target


def progress_bar(console: Console) -> Progress:
    """The one progress bar every phase of a bench run shows."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    )


@dataclass
class Context:
    """What a workload gets from the run: configuration, live servers, fixtures, database."""

    config: BenchConfig
    console: Console
    wrk: str
    fixtures: Fixtures
    ids_file: Path
    targets: list[Target]
    """Verified implementations, running."""
    baselines: list[Target]
    """Verified minimal apps (``bench/baselines/``), running."""
    database_url: str | None
    """None for a remote target: nothing is counted at the database."""
    pinning: Pinning
    hey: str | None = None
    postgres_pid: int | None = None
    queries_ok: bool = False
    queries_note: str = ""
    track_utility: bool | None = None
    out_dir: Path | None = None
    server_env: dict[str, str] = field(default_factory=dict)
    """The environment the servers were started with (for a workload's own servers)."""
    notes: list[str] = field(default_factory=list)
    cleanup: Callable[[], None] = lambda: None
    """Deletes what the benchmark user created (after write scenarios)."""

    def progress(self) -> Progress:
        return progress_bar(self.console)


@dataclass(frozen=True)
class Page:
    """What a workload's report section is rendered from."""

    data: dict[str, Any]
    """The whole results document."""
    section: dict[str, Any]
    """This workload's part of it."""
    image_prefix: str
    """Path from the page being written to the directory of results.json and charts."""


class Workload(Protocol):
    name: str
    """Key under ``results["workloads"]`` and the name of its template."""
    title: str
    order: int

    def verify(self, ctx: Context, target: Target) -> list[str]:
        """Every way ``target`` answers this workload's requests wrongly (empty: fine)."""
        ...

    def measure(self, ctx: Context) -> dict[str, Any]:
        """Run the workload against the verified targets; return its results section."""
        ...

    def context(self, page: Page) -> dict[str, Any]:
        """The variables of the workload's template."""
        ...

    def charts(self, page: Page, out: Path) -> None:
        """Draw the workload's charts into ``out`` (the directory of results.json)."""
        ...


def registered() -> list[Workload]:
    """Every workload module of this package, in ``order``."""
    found: list[Workload] = []
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("_"):
            continue
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        workload = getattr(loaded, "WORKLOAD", None)
        if workload is not None:
            found.append(workload)
    return sorted(found, key=lambda w: (w.order, w.name))


def by_name(name: str) -> Workload:
    for workload in registered():
        if workload.name == name:
            return workload
    raise KeyError(name)
