"""Run the black-box contract suite against running servers and summarise it per implementation."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from arena.project import root


@dataclass
class Outcome:
    """Test counts for one implementation (or one cross-implementation pair)."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    by_module: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.passed > 0


def pytest_command(
    targets: dict[str, str],
    down_targets: dict[str, str],
    junit: Path,
    workers: int,
    extra: list[str],
) -> list[str]:
    command = [sys.executable, "-m", "pytest", "--pyargs", "contract_tests", f"--junitxml={junit}"]
    command += ["-p", "no:cacheprovider"]
    for name, url in targets.items():
        command += ["--base-url", f"{name}={url}"]
    for name, url in down_targets.items():
        command += ["--down-base-url", f"{name}={url}"]
    if workers > 1:
        command += ["-n", str(workers)]
    return command + extra


def run_suite(command: list[str], env: dict[str, str]) -> int:
    return subprocess.run(command, env={**os.environ, **env}, cwd=root()).returncode


_PARAMS = re.compile(r"\[(?P<params>.*)\]$")


def implementation_of(test_name: str, names: list[str]) -> str:
    """Which implementation a parametrised test ran against (pairs for cross tests)."""
    match = _PARAMS.search(test_name)
    if not match:
        return "?"
    found = [name for name in names if re.search(rf"(^|[-_>]){name}($|[-_>])", match["params"])]
    if len(found) >= 2:
        return "cross"
    return found[0] if found else "?"


def summarise(junit: Path, names: list[str]) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = defaultdict(Outcome)
    # The file is the one pytest just wrote for us, not untrusted input.
    for case in ET.parse(junit).getroot().iter("testcase"):  # noqa: S314
        owner = implementation_of(case.get("name", ""), names)
        module = case.get("classname", "").rsplit(".", 1)[-1]
        if case.find("failure") is not None or case.find("error") is not None:
            result = "failed"
        elif case.find("skipped") is not None:
            result = "skipped"
        else:
            result = "passed"
        outcome = outcomes[owner]
        setattr(outcome, result, getattr(outcome, result) + 1)
        outcome.by_module[module][result] += 1
    return dict(outcomes)
