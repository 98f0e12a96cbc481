"""``arena claims``: check the seed article's claims and write docs/claims.md."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from arena.bench import results as bench_results
from arena.bench import tree
from arena.claims import data, measures
from arena.claims.render import Outcome, Provenance, markdown
from arena.claims.verdicts import decide
from arena.project import ProjectError, root

console = Console()
err = Console(stderr=True)

DOC_PATH = Path("docs") / "claims.md"
RESULTS_PATH = Path("docs") / "results" / "results.json"
# The fan-out sweep is its own run (make bench-fanout) with its own results file; its
# section joins the main results for the claims that measure the I/O-bound workload.
FANOUT_RESULTS_PATH = Path("docs") / "results" / "fanout" / "results.json"


def run_micro(repeats: int) -> dict[str, Any]:
    """The micro-benchmarks in a fresh interpreter (they configure Django for themselves)."""
    done = subprocess.run(
        [sys.executable, "-m", "arena.claims.micro", "--repeats", str(repeats)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"micro-benchmarks failed:\n{done.stderr.strip()}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def evaluate(
    claims: list[data.Claim],
    results: dict[str, Any] | None,
    micro: dict[str, Any] | None,
    repository: Path,
) -> list[Outcome]:
    outcomes = []
    for claim in claims:
        measured = measures.measure(claim.measure, results or {}, micro, repository)
        outcomes.append(Outcome(claim, measured, decide(measured, claim.verdict)))
    return outcomes


def _with_fanout(results: dict[str, Any] | None, path: Path) -> dict[str, Any] | None:
    """``results`` with the fan-out sweep's section, when the sweep's file is there."""
    if not path.is_file():
        return results
    try:
        section = bench_results.workload(bench_results.load(path), "fanout")
    except (OSError, ValueError) as exc:
        err.print(
            f"[yellow]warning:[/] no usable fan-out results ({exc}); fan-out claims: not measured"
        )
        return results
    merged = dict(results or {})
    merged["workloads"] = {**merged.get("workloads", {}), "fanout": section}
    return merged


def claims(
    results_path: Annotated[
        Path | None,
        typer.Option("--results", help=f"A results JSON (default: {RESULTS_PATH})."),
    ] = None,
    fanout_results_path: Annotated[
        Path | None,
        typer.Option(
            "--fanout-results",
            help=f"The fan-out sweep's results JSON (default: {FANOUT_RESULTS_PATH}).",
        ),
    ] = None,
    claims_path: Annotated[
        Path | None,
        typer.Option("--claims", help=f"The claims file (default: {data.DEFAULT_PATH})."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help=f"Where to write (default: {DOC_PATH}).")] = None,
    micro: Annotated[bool, typer.Option(help="Run the micro-benchmarks (about 5 s).")] = True,
    repeats: Annotated[int, typer.Option(min=3, help="Micro-benchmark repeats.")] = 7,
    strict: Annotated[
        bool,
        typer.Option(
            help="Refuse a checkout with uncommitted changes (outside the generated pages),"
            " so the page names the code it describes. `make claims` uses it."
        ),
    ] = False,
) -> None:
    """Check the seed article's claims against the measurements; write docs/claims.md.

    HTTP and start-up figures come from a results JSON (`make bench`); the micro-benchmarks
    run here, in-process in a fresh interpreter. The output says when the results JSON
    is of other code than this checkout, or when either has uncommitted changes.
    """
    repository = root()
    try:
        checkout = tree.require_clean(repository, "arena claims") if strict else None
    except ProjectError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    results_path = results_path or repository / RESULTS_PATH
    claims_path = claims_path or repository / data.DEFAULT_PATH
    target = out or repository / DOC_PATH
    try:
        claim_list = data.load(claims_path)
    except (OSError, data.ClaimsFileError) as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    results: dict[str, Any] | None
    try:
        results = bench_results.load(results_path)
    except (OSError, ValueError) as exc:
        err.print(f"[yellow]warning:[/] no usable results JSON ({exc}); HTTP claims: not measured")
        results = None
    results = _with_fanout(results, fanout_results_path or repository / FANOUT_RESULTS_PATH)
    micro_data = None
    if micro and measures.needs_micro([c.measure for c in claim_list]):
        console.print("Running the micro-benchmarks ...")
        try:
            micro_data = run_micro(repeats)
        except RuntimeError as exc:
            err.print(f"[bold red]error:[/] {exc}")
            raise typer.Exit(1) from None
    outcomes = evaluate(claim_list, results, micro_data, repository)
    if checkout is not None:
        try:
            tree.require_unchanged(repository, checkout, "arena claims")
        except ProjectError as exc:
            err.print(f"[bold red]error:[/] {exc}")
            raise typer.Exit(1) from None
    now = tree.state(repository)
    shown = results_path.resolve()
    provenance = Provenance(
        results_path=str(
            shown.relative_to(repository) if shown.is_relative_to(repository) else results_path
        ),
        results=results,
        commit=now.commit or "",
        dirty=now.dirty,
        micro=micro_data,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        results_same_code=tree.same_code(
            repository, (results or {}).get("environment", {}).get("git_commit"), now.commit
        ),
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(markdown(outcomes, provenance), encoding="utf-8")
    table = Table(title="the article's claims")
    for column in ("#", "claim", "verdict", "why"):
        table.add_column(column)
    for outcome in outcomes:
        table.add_row(
            outcome.claim.id, outcome.claim.title, outcome.verdict.status, outcome.verdict.summary
        )
    console.print(table)
    for warning in provenance.warnings():
        err.print(f"[yellow]note:[/] {warning}")
    shown_target = target.resolve()
    console.print(
        "Wrote "
        + str(
            shown_target.relative_to(repository)
            if shown_target.is_relative_to(repository)
            else target
        )
    )
