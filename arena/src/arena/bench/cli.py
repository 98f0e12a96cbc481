"""``arena bench`` and ``arena report``: registered on the main ``arena`` command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from arena.bench import report, results
from arena.project import ProjectError, root, state_dir

console = Console()
err = Console(stderr=True)


def _full_outputs() -> tuple[Path, Path]:
    return root() / "docs" / "results", root() / "docs" / "results.md"


def _local_outputs(name: str) -> tuple[Path, Path]:
    out = state_dir() / name
    return out, out / "results.md"


def bench(
    impls: Annotated[
        list[str] | None, typer.Argument(help="fastapi, flask, drf (default: all of them)")
    ] = None,
    quick: Annotated[
        bool, typer.Option(help="Short run (< 3 min) into .arena/bench-quick/, not docs/.")
    ] = False,
    target: Annotated[
        str | None,
        typer.Option(help="Measure a server running elsewhere (HTTP scenarios only)."),
    ] = None,
    rounds: Annotated[int | None, typer.Option(min=1, help="Interleaved repeats.")] = None,
    duration: Annotated[int | None, typer.Option(min=1, help="Seconds per wrk run.")] = None,
    connections: Annotated[
        str | None, typer.Option(help="Comma-separated wrk connection counts, e.g. 1,8,64.")
    ] = None,
    cold_starts: Annotated[
        int | None, typer.Option(min=1, help="Cold starts per implementation and server.")
    ] = None,
    slo_ms: Annotated[float, typer.Option(help="p99 objective in ms.")] = 10.0,
    out: Annotated[Path | None, typer.Option(help="Directory for JSON, HTML and PNGs.")] = None,
) -> None:
    """Measure the implementations (cold start, throughput, latency, ceilings, queries,
    memory, code size) in one interleaved run, then write the JSON and the reports."""
    from arena.bench import runner, wrk

    try:
        wrk.find_wrk()
    except wrk.WrkMissing as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    config = runner.BenchConfig.quick_run() if quick else runner.BenchConfig()
    config.impls = impls
    config.target_url = target.rstrip("/") if target else None
    config.slo_p99_ms = slo_ms
    if rounds:
        config.rounds = rounds
    if duration:
        config.duration_s = duration
    if cold_starts:
        config.coldstart_repeats = cold_starts
    if connections:
        config.connections = [int(c) for c in connections.split(",") if c.strip()]
    if target:
        out_dir, markdown = _local_outputs("bench-target")
    elif quick:
        out_dir, markdown = _local_outputs("bench-quick")
    else:
        out_dir, markdown = _full_outputs()
    if out:
        out_dir, markdown = out, out / "results.md"
    try:
        data = runner.run(config, console)
    except ProjectError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("interrupted: every server this run started has been stopped")
        raise typer.Exit(130) from None
    results.save(data, out_dir / "results.json")
    report.render(data, out_dir, markdown)
    console.print(f"Wrote {markdown}, {out_dir / 'report.html'} and {out_dir / 'results.json'}.")
    if (out_dir, markdown) == _full_outputs() and report.update_readme(root() / "README.md", data):
        console.print("Updated the results in README.md.")
    failed = [t["id"] for t in data.get("targets", []) if not t["verified"]]
    if failed:
        err.print(f"[yellow]failed verification (not benchmarked):[/] {', '.join(failed)}")
        raise typer.Exit(3)


def report_command(
    source: Annotated[
        Path | None, typer.Argument(help="A results.json (default: docs/results/results.json).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Directory for HTML and PNGs.")] = None,
    markdown: Annotated[Path | None, typer.Option(help="Where to write the Markdown.")] = None,
) -> None:
    """Re-render docs/results.md, the HTML report and the charts from a results JSON."""
    full_dir, full_md = _full_outputs()
    source = source or full_dir / "results.json"
    try:
        data = results.load(source)
    except (OSError, ValueError) as exc:
        err.print(f"[bold red]error:[/] cannot read {source}: {exc}")
        raise typer.Exit(1) from None
    out_dir = out or source.parent
    markdown = markdown or (
        full_md if out_dir.resolve() == full_dir.resolve() else out_dir / "results.md"
    )
    report.render(data, out_dir, markdown)
    console.print(f"Wrote {markdown} and {out_dir / 'report.html'}.")
    if (out_dir, markdown) == _full_outputs() and report.update_readme(root() / "README.md", data):
        console.print("Updated the results in README.md.")
    sys.stdout.flush()
