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
from dataclasses import dataclass
from pathlib import Path

from arena.project import root

Counts = dict[str, int]
Summary = dict[str, dict[str, Counts]]  # implementation -> rule id -> outcome counts


def pytest_command(
    targets: dict[str, str],
    down_targets: dict[str, str],
    results_dir: Path,
    workers: int,
    extra: list[str],
) -> list[str]:
    command = [sys.executable, "-m", "pytest", "--pyargs", "contract_tests"]
    command += ["-p", "no:cacheprovider", f"--junitxml={results_dir / 'contract-junit.xml'}"]
    command += [f"--contract-summary={results_dir / 'contract-summary.json'}"]
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


def markdown(summary: Summary) -> str:
    """The grid as a Markdown table: implementation x contract section."""
    sections, cells = grid(summary)
    lines = [
        "| implementation | " + " | ".join(sections) + " |",
        "|---|" + "---|" * len(sections),
    ]
    for impl, row in cells.items():
        lines.append(f"| {impl} | " + " | ".join(row[name].text() for name in sections) + " |")
    failures = failing_rules(summary)
    if failures:
        lines += ["", "Failing rules:", ""]
        lines += [f"- **{impl}**: {', '.join(rules)}" for impl, rules in failures.items()]
    return "\n".join(lines) + "\n"
