"""Run the black-box contract suite and turn its per-rule summary into a grid.

The suite writes ``--contract-summary`` JSON: for each implementation (and the
cross-implementation pairs), for each contract rule, how many tests passed,
failed and were skipped. The grid groups rules by contract section (the part of
a rule id before its first dot), as compatibility matrices do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from arena.project import IMPLEMENTATIONS, Implementation, ProjectError, implementation, root

CROSS_ROW = "cross-implementation"  # the suite's name for its cross-implementation pairs
Counts = dict[str, int]
Summary = dict[str, dict[str, Counts]]  # implementation -> rule id -> outcome counts


# Sections run against every server an implementation declares, not only its default:
# where a server's parallelism, request parsing or limits can change the answer.
PER_SERVER_SECTIONS = ("concurrency", "general", "bodies", "errors")
# Target names for the other servers: "fastapi@granian"; the default server keeps the
# implementation's own name.
SERVER_SEPARATOR = "@"


def common_levels(impls: Iterable[Implementation]) -> list[str]:
    """The conformance levels every one of ``impls`` meets, core first."""
    chosen = list(impls)
    shared = set.intersection(*(set(i.levels) for i in chosen)) if chosen else {"core"}
    return sorted(shared | {"core"}, key=lambda level: (level != "core", level))


def per_server_sections(levels: Iterable[str]) -> list[str]:
    """The sections run on every server: the core ones where servers differ, and each
    further level's own section (a fan-out or a stream is all about the server)."""
    return [*PER_SERVER_SECTIONS, *(level for level in levels if level != "core")]


def target_name(impl: str, server: str, default_server: str) -> str:
    return impl if server == default_server else f"{impl}{SERVER_SEPARATOR}{server}"


def pytest_command(
    targets: dict[str, str],
    down_targets: dict[str, str],
    results_dir: Path,
    workers: int,
    extra: list[str],
    run_name: str = "contract",
) -> list[str]:
    command = [sys.executable, "-m", "pytest", "--pyargs", "contract_tests"]
    command += ["-p", "no:cacheprovider", f"--junitxml={results_dir / f'{run_name}-junit.xml'}"]
    command += [f"--contract-summary={results_dir / f'{run_name}-summary.json'}"]
    for name, url in targets.items():
        command += ["--base-url", f"{name}={url}"]
    for name, url in down_targets.items():
        command += ["--down-base-url", f"{name}={url}"]
    if workers > 1:
        command += ["-n", str(workers)]
    return command + extra


def run_suite(command: list[str], env: dict[str, str]) -> int:
    return subprocess.run(command, env={**os.environ, **env}, cwd=root()).returncode


def load_summary(path: Path) -> Summary:
    return dict(json.loads(path.read_text())["implementations"])


def load_servers(path: Path) -> dict[str, str]:
    """Which server each target of a summary ran on (absent in older summaries)."""
    return dict(json.loads(path.read_text()).get("servers", {}))


def merge_summaries(paths: list[Path], servers: dict[str, str], into: Path) -> None:
    """One summary from several suite runs, with the server of each target."""
    merged: dict[str, object] = {"servers": servers}
    for key in ("implementations", "attacks"):
        # Both runs have a cross-implementation row (pairs of default servers, pairs of
        # other servers): their counts add up, rule by rule.
        totals: dict[str, dict[str, Counts]] = {}
        for path in paths:
            if not path.exists():
                continue
            for target, rules in json.loads(path.read_text()).get(key, {}).items():
                row = totals.setdefault(target, {})
                for rule, counts in rules.items():
                    total = row.setdefault(rule, {"passed": 0, "failed": 0, "skipped": 0})
                    for outcome, count in counts.items():
                        total[outcome] = total.get(outcome, 0) + count
        merged[key] = totals
    into.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")


def label(target: str, servers: dict[str, str]) -> str:
    """``fastapi`` on uvicorn -> ``fastapi/uvicorn``; cross-pair rows keep their name."""
    impl = target.split(SERVER_SEPARATOR, 1)[0]
    return f"{impl}/{servers[target]}" if target in servers else target


def declared_levels(target: str) -> str:
    """The conformance levels the target's implementation declares, e.g. ``core, io``."""
    impl = target.split(SERVER_SEPARATOR, 1)[0]
    if impl not in IMPLEMENTATIONS:
        return "—"
    try:
        return ", ".join(implementation(impl).levels)
    except ProjectError:
        return "—"


def section(rule: str) -> str:
    return rule.split(".", 1)[0]


@dataclass(frozen=True)
class Cell:
    passed: int
    failed: int
    skipped: int

    @property
    def verdict(self) -> str:
        if self.failed:
            return "fail"
        return "pass" if self.passed else "untested"

    def text(self) -> str:
        mark = {"pass": "✅", "fail": "❌", "untested": "⚪"}[self.verdict]
        detail = f"{self.passed}/{self.passed + self.failed}"
        return f"{mark} {detail}" + (f" ({self.skipped} skipped)" if self.skipped else "")


def grid(summary: Summary) -> tuple[list[str], dict[str, dict[str, Cell]]]:
    """Sections (in first-seen order of the sorted rules) and a cell per implementation."""
    sections = sorted({section(rule) for rules in summary.values() for rule in rules})
    cells: dict[str, dict[str, Cell]] = {}
    for impl, rules in summary.items():
        row = {}
        for name in sections:
            counts = [c for rule, c in rules.items() if section(rule) == name]
            row[name] = Cell(
                passed=sum(c["passed"] for c in counts),
                failed=sum(c["failed"] for c in counts),
                skipped=sum(c["skipped"] for c in counts),
            )
        cells[impl] = row
    return sections, cells


def failing_rules(summary: Summary) -> dict[str, list[str]]:
    return {
        impl: sorted(rule for rule, c in rules.items() if c["failed"])
        for impl, rules in summary.items()
        if any(c["failed"] for c in rules.values())
    }


def _column_order(target: str) -> tuple[int, str, bool, str]:
    # The canonical implementation order, each default server first, the pairs last.
    impl = target.split(SERVER_SEPARATOR, 1)[0]
    rank = IMPLEMENTATIONS.index(impl) if impl in IMPLEMENTATIONS else len(IMPLEMENTATIONS)
    return (rank + (target == CROSS_ROW), impl, SERVER_SEPARATOR in target, target)


def ordered(targets: Iterable[str]) -> list[str]:
    return sorted(targets, key=_column_order)


def markdown(summary: Summary, servers: dict[str, str] | None = None) -> str:
    """The grid as a Markdown table: a row per contract section, a column per target.

    With ``servers`` (from ``load_servers``), each column names its implementation and
    server, ``fastapi/uvicorn``; the cross-implementation pairs come last.
    """
    servers = servers or {}
    sections, cells = grid(summary)
    order = ordered(cells)
    lines = [
        "| section | " + " | ".join(label(t, servers) for t in order) + " |",
        "|---|" + "---|" * len(order),
        "| *levels declared* | " + " | ".join(declared_levels(t) for t in order) + " |",
    ]
    for name in sections:
        lines.append(f"| {name} | " + " | ".join(cells[t][name].text() for t in order) + " |")
    failures = failing_rules(summary)
    if failures:
        lines += ["", "Failing rules:", ""]
        lines += [
            f"- **{label(impl, servers)}**: {', '.join(rules)}" for impl, rules in failures.items()
        ]
    return "\n".join(lines) + "\n"
